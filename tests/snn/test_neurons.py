import itertools

import pytest
import torch

from spikeslim.snn.neurons import LIF, LIFOutput, LIFParams, lif_multistep, lif_multistep_loop, lif_spikes, lif_step
from spikeslim.snn.surrogates import ATan, Rectangle, Sigmoid, Triangle

SURROGATES = [ATan(), Sigmoid(), Rectangle(width=1.0), Triangle(width=1.0)]
PARAMS = [
    LIFParams(tau=tau, v_reset=v_reset, soft_reset=soft, detach_reset=detach, decay_input=decay)
    for tau, v_reset, soft, detach, decay in itertools.product((2.0, None), (0.0, -0.2), (False, True), (True, False), (True, False))
    if not (tau is None and not decay)  # IF has no decay, so decay_input makes no difference
]


def _inputs(seed: int = 0, shape=(7, 2, 5)):
    gen = torch.Generator().manual_seed(seed)
    x = (1.6 * torch.randn(shape, generator=gen, dtype=torch.float64)).requires_grad_()
    weights = [torch.randn(shape, generator=gen, dtype=torch.float64) for _ in range(3)]
    return x, weights


def _grads(out: LIFOutput, weights, wrt, use=(0, 1, 2)):
    loss = sum((out[i] * weights[i]).sum() for i in use)
    return torch.autograd.grad(loss, wrt, retain_graph=True)


def test_lif_step_by_hand():
    """tau 2, threshold 1, constant input 1.5: h = 0.75, 1.125 (spike, reset to 0), 0.75, ..."""
    p, x = LIFParams(), torch.full((4, 1), 1.5)
    out = lif_multistep(x, p, ATan())
    assert out.v_pre.flatten().tolist() == pytest.approx([0.75, 1.125, 0.75, 1.125])
    assert out.spikes.flatten().tolist() == [0.0, 1.0, 0.0, 1.0]
    assert out.v_post.flatten().tolist() == pytest.approx([0.75, 0.0, 0.75, 0.0])
    soft = lif_multistep(x, p._replace(soft_reset=True), ATan())
    assert soft.v_post.flatten().tolist() == pytest.approx([0.75, 0.125, 0.8125, 0.15625])
    s, h, v = lif_step(x[0], torch.zeros(1), p, ATan())
    assert (s.item(), h.item(), v.item()) == (0.0, 0.75, 0.75)


@pytest.mark.parametrize("surrogate", SURROGATES, ids=repr)
@pytest.mark.parametrize("params", PARAMS, ids=str)
def test_fused_equals_reference_loop_forward_and_gradients(params, surrogate):
    """Gradients flow back from losses on spikes, v_pre and v_post (PACE) to x and v0."""
    x, weights = _inputs()
    v0 = torch.full((5,), 0.3, dtype=torch.float64, requires_grad=True)
    fused, ref = lif_multistep(x, params, surrogate, v0), lif_multistep_loop(x, params, surrogate, v0)
    for a, b in zip(fused, ref):
        assert torch.allclose(a, b, rtol=1e-12, atol=1e-12)
    assert 0 < fused.spikes.mean() < 1  # both branches of the reset are exercised
    for use in ((0,), (1,), (2,), (0, 1, 2)):
        for a, b in zip(_grads(fused, weights, (x, v0), use), _grads(ref, weights, (x, v0), use)):
            assert torch.allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("sltt", [False, True])
@pytest.mark.parametrize("params", PARAMS[:8], ids=str)
def test_spikes_only_path_equals_reference(params, sltt):
    """The layer's path (no states kept): the reference's spikes, last membrane and gradients."""
    x, (weights, *_) = _inputs(2)
    v0 = torch.full((5,), 0.3, dtype=torch.float64, requires_grad=True)
    (spikes, v_last), ref = lif_spikes(x, params, ATan(), v0, sltt=sltt), lif_multistep_loop(x, params, ATan(), v0, sltt=sltt)
    assert torch.equal(spikes, ref.spikes) and torch.allclose(v_last, ref.v_post[-1])
    assert v_last.untyped_storage().nbytes() == v_last.numel() * v_last.element_size()  # pins no other step
    got = torch.autograd.grad((spikes * weights).sum(), (x, v0))
    want = torch.autograd.grad((ref.spikes * weights).sum(), (x, v0))
    for a, b in zip(got, want):
        assert torch.allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("params", [LIFParams(), LIFParams(soft_reset=True, detach_reset=False), LIFParams(tau=None)], ids=str)
def test_sltt_gradient_equals_reference_with_temporal_path_detached(params):
    x, weights = _inputs(1)
    fused = lif_multistep(x, params, Sigmoid(), sltt=True)
    ref = lif_multistep_loop(x, params, Sigmoid(), sltt=True)
    full = lif_multistep_loop(x, params, Sigmoid())
    g_fused, g_ref, g_full = (_grads(o, weights, (x,))[0] for o in (fused, ref, full))
    assert torch.allclose(g_fused, g_ref, rtol=1e-10, atol=1e-12)
    assert not torch.allclose(g_fused, g_full)  # the temporal path really was cut


def test_if_neuron_with_soft_reset_and_half_threshold_start():
    """HSD's student neuron: IF, soft reset, membrane starts at v_threshold / 2."""
    p = LIFParams(tau=None, soft_reset=True)
    x = torch.full((4, 1), 0.3)
    out = lif_multistep(x, p, Triangle(), v0=0.5)
    assert out.v_pre.flatten().tolist() == pytest.approx([0.8, 1.1, 0.4, 0.7])
    assert out.spikes.flatten().tolist() == [0.0, 1.0, 0.0, 0.0]
    # total input in = spikes out * threshold + membrane change: charge is conserved
    assert (x.sum() + 0.5 - out.v_post[-1].sum()).item() == pytest.approx(out.spikes.sum().item())


def test_float32_matches_float64():
    x, _ = _inputs(2)
    a = lif_multistep(x.detach().float(), LIFParams(), ATan())
    b = lif_multistep(x.detach(), LIFParams(), ATan())
    assert torch.allclose(a.v_post.double(), b.v_post, atol=1e-5)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="T >= 1"):
        lif_multistep(torch.zeros(0, 3), LIFParams(), ATan())
    with pytest.raises(ValueError, match="T >= 1"):
        lif_spikes(torch.zeros(0, 3), LIFParams(), ATan())
    with pytest.raises(ValueError, match="tau"):
        lif_multistep(torch.zeros(2, 3), LIFParams(tau=0.0), ATan())


def test_lif_module_shapes_and_state_carry():
    layer = LIF(LIFParams(), ATan())
    x = torch.rand(6, 2, 3, 4, 4) * 2
    whole = layer(x)
    assert whole.shape == x.shape and set(whole.unique().tolist()) <= {0.0, 1.0}
    layer.carry_state = True
    pieces = torch.cat([layer(x[:3]), layer(x[3:])])
    assert torch.equal(pieces, whole)
    assert layer.state.shape == x.shape[1:] and layer.state._base is None
