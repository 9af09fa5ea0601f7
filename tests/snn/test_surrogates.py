import math

import pytest
import torch

from spikeslim.errors import UnknownNameError
from spikeslim.snn.surrogates import ATan, Rectangle, Sigmoid, Triangle, make_surrogate

ALL = [ATan(), ATan(alpha=5.0), Sigmoid(), Sigmoid(alpha=1.5), Rectangle(), Rectangle(width=0.4), Triangle(), Triangle(width=0.5)]


@pytest.mark.parametrize("sg", ALL, ids=repr)
def test_spike_is_heaviside_and_backward_is_grad(sg):
    x = torch.tensor([-2.0, -0.1, 0.0, 0.1, 2.0], dtype=torch.float64, requires_grad=True)
    s = sg.spike(x)
    assert s.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]
    (g,) = torch.autograd.grad(s.sum(), x)
    assert torch.equal(g, sg.grad(x.detach()))


@pytest.mark.parametrize("sg", ALL, ids=repr)
def test_grad_has_unit_area_peaked_at_zero(sg):
    x = torch.linspace(-200, 200, 400_001, dtype=torch.float64)
    g = sg.grad(x)
    assert torch.trapezoid(g, x).item() == pytest.approx(1.0, abs=5e-3)
    assert g[len(x) // 2] == g.max() > 0
    assert torch.allclose(g, sg.grad(-x), rtol=0, atol=1e-12)  # symmetric


@pytest.mark.parametrize(
    "sg, primitive",
    [
        (ATan(alpha=3.0), lambda x: torch.atan(math.pi / 2 * 3.0 * x) / math.pi + 0.5),
        (Sigmoid(alpha=4.0), lambda x: torch.sigmoid(4.0 * x)),
    ],
)
def test_smooth_grads_are_derivatives_of_their_primitive(sg, primitive):
    x = torch.linspace(-3, 3, 101, dtype=torch.float64, requires_grad=True)
    (expected,) = torch.autograd.grad(primitive(x).sum(), x)
    assert torch.allclose(sg.grad(x.detach()), expected)


def test_width_sets_the_support():
    x = torch.tensor([0.3, 0.6])
    assert Rectangle(width=1.0).grad(x).tolist() == [1.0, 0.0]
    assert Triangle(width=0.5).grad(x).tolist() == pytest.approx([0.8, 0.0])


def test_make_surrogate_by_name_and_unknown_name():
    for name, kind in {"atan": ATan, "sigmoid": Sigmoid, "rectangle": Rectangle, "triangle": Triangle}.items():
        assert make_surrogate(name) == kind()
    assert make_surrogate("triangle") == Triangle()
    assert make_surrogate(ATan(alpha=7.0)) == ATan(alpha=7.0)
    with pytest.raises(UnknownNameError, match="gauss"):
        make_surrogate("gauss")


@pytest.mark.parametrize("surrogate", [ATan(), Sigmoid(), Rectangle(), Triangle()], ids=repr)
def test_reference_loop_is_twice_differentiable_and_fused_says_it_is_not(surrogate):
    """DC's gradient matching differentiates a weight gradient again through the plain loop."""
    from spikeslim.snn.neurons import LIFParams, lif_multistep, lif_multistep_loop

    x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    w = torch.full((4, 3), 1.5, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(lif_multistep_loop(x * w, LIFParams(), surrogate).v_post.sum(), w, create_graph=True)
    g.square().sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    with pytest.raises(RuntimeError, match="lif_multistep_loop for double backward"):
        torch.autograd.grad(lif_multistep(x * w, LIFParams(), surrogate).v_post.sum(), w, create_graph=True)
