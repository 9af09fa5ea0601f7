"""The compiled LIF kernels (snn.fused) against the float64 autograd reference, on tiny inputs.

The rest of the suite runs the eager path (conftest sets SPIKESLIM_COMPILE=0: every new neuron
configuration costs a compile); these tests switch the kernels on. Few configurations, so that
the compiles stay a few seconds, chosen to cover both resets, both detach settings, IF and SLTT.
"""

import pytest
import torch
from torch._dynamo.utils import counters

from spikeslim.snn import fused
from spikeslim.snn.neurons import LIF, LIFOutput, LIFParams, dynamics, lif_multistep, lif_multistep_loop, lif_spikes
from spikeslim.snn.surrogates import ATan, Rectangle, Sigmoid, Triangle

CASES = {
    "hard, detached, v0 tensor": (LIFParams(), ATan(), False),
    "hard, attached, v_reset -0.2, no decay_input": (LIFParams(v_reset=-0.2, detach_reset=False, decay_input=False), Sigmoid(), False),
    "IF, soft, detached": (LIFParams(tau=None, soft_reset=True), Rectangle(), False),
    "soft, attached": (LIFParams(soft_reset=True, detach_reset=False), Triangle(), False),
    "hard, detached, v0 tensor, sltt": (LIFParams(), ATan(), True),
}


@pytest.fixture
def compiled(monkeypatch):
    monkeypatch.setenv("SPIKESLIM_COMPILE", "1")


def _inputs(shape=(4, 2, 3), seed=0, device="cpu"):
    gen = torch.Generator().manual_seed(seed)
    x = (1.6 * torch.randn(shape, generator=gen, dtype=torch.float64)).to(device).requires_grad_()
    v0 = torch.full(shape[-1:], 0.3, dtype=torch.float64, device=device, requires_grad=True)
    return x, v0, [torch.randn(shape, generator=gen, dtype=torch.float64).to(device) for _ in range(3)]


def _check_against_reference(params, surrogate, sltt, x, v0, weights):
    out, ref = lif_multistep(x, params, surrogate, v0, sltt=sltt), lif_multistep_loop(x, params, surrogate, v0, sltt=sltt)
    for a, b in zip(out, ref):
        assert torch.allclose(a, b, rtol=1e-12, atol=1e-12)
    assert 0 < out.spikes.mean() < 1

    def grads(o: LIFOutput):
        return torch.autograd.grad(sum((o[i] * weights[i]).sum() for i in range(3)), (x, v0))

    for a, b in zip(grads(out), grads(ref)):
        assert torch.allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", list(CASES))
def test_compiled_kernels_equal_reference(case, compiled):
    """Losses on spikes, v_pre and v_post at once, gradients to x and to a v0 tensor."""
    params, surrogate, sltt = CASES[case]
    _check_against_reference(params, surrogate, sltt, *_inputs())
    built = {key[0] for key in fused._kernels if key[2] == dynamics(params)}
    assert not fused._broken and built == {"forward", "backward"}


@pytest.mark.parametrize("start", ["scalar", "per neuron"])
@pytest.mark.parametrize("case", list(CASES))
def test_spikes_only_kernels_equal_reference(case, start, compiled):
    """`lif_spikes` writes no states; from a scalar start it recomputes v_pre in its backward
    kernel, from a per-neuron one (a carried state) it saves v_pre. Either way the reference's
    spikes, last membrane and gradients to x and to v0."""
    params, surrogate, sltt = CASES[case]
    x, v0, (weights, *_) = _inputs()
    if start == "scalar":
        v0 = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    (spikes, v_last), ref = lif_spikes(x, params, surrogate, v0, sltt=sltt), lif_multistep_loop(x, params, surrogate, v0, sltt=sltt)
    assert torch.equal(spikes, ref.spikes) and torch.allclose(v_last, ref.v_post[-1], rtol=1e-12, atol=1e-12)
    assert not v_last.requires_grad
    assert v_last.untyped_storage().nbytes() == v_last.numel() * v_last.element_size()  # pins no other step
    got = torch.autograd.grad((spikes * weights).sum(), (x, v0))
    want = torch.autograd.grad((ref.spikes * weights).sum(), (x, v0))
    for a, b in zip(got, want):
        assert torch.allclose(a, b, rtol=1e-10, atol=1e-12)
    if start == "scalar":
        assert {key[-1] for key in fused._kernels if key[2] == dynamics(params)} >= {"spikes", "recompute"}


def test_spikes_only_call_stays_eager_if_its_backward_kernel_cannot_be_built(compiled, monkeypatch):
    """The recompute kernel is built before the forward runs: if that fails, the call saves v_pre,
    so the backward never recomputes it with other rounding than the forward's (the gradients are
    then exactly `lif_multistep`'s). Inputs sit within 1e-5 of the threshold at step 1, where
    other rounding flips spikes."""
    params = LIFParams(tau=3.0, v_reset=-0.1, detach_reset=False)
    d, surrogate = dynamics(params), ATan()
    gen = torch.Generator().manual_seed(0)
    x0 = torch.rand(16384, generator=gen) * 0.9
    x1 = (1.0 - d.a * (d.a * 0.3 + d.b * x0 + d.c) - d.c) / d.b + (torch.rand(16384, generator=gen) - 0.5) * 1e-5
    x = torch.stack([x0, x1, torch.rand(16384, generator=gen)]).requires_grad_()
    weights = torch.randn(x.shape, generator=gen)
    real_compiled = fused._compiled

    def no_recompute_kernel(key, *args):
        return None if key[-1] == "recompute" else real_compiled(key, *args)

    monkeypatch.setattr(fused, "_compiled", no_recompute_kernel)
    monkeypatch.setattr(fused, "_kernels", {})
    spikes, _ = lif_spikes(x, params, surrogate, 0.3)
    got = torch.autograd.grad((spikes * weights).sum(), x)[0]
    ref = lif_multistep(x, params, surrogate, 0.3).spikes
    want = torch.autograd.grad((ref * weights).sum(), x)[0]
    assert torch.equal(spikes, ref) and torch.equal(got, want)
    assert not any(key[-1] == "spikes" for key in fused._kernels)


def test_spikes_only_long_sequences_save_v_pre(compiled, monkeypatch):
    monkeypatch.setattr(fused, "BLOCK", 2)
    monkeypatch.setattr(fused, "_kernels", {})
    params, surrogate, _ = CASES["hard, detached, v0 tensor"]
    x, _, (weights, *_) = _inputs((5, 2, 3), seed=4)
    spikes, v_last = lif_spikes(x, params, surrogate)
    ref = lif_multistep_loop(x, params, surrogate)
    assert torch.equal(spikes, ref.spikes) and torch.allclose(v_last, ref.v_post[-1])
    got, want = (torch.autograd.grad((s * weights).sum(), x)[0] for s in (spikes, ref.spikes))
    assert torch.allclose(got, want, rtol=1e-10, atol=1e-12)
    assert not any(key[-1] in ("spikes", "recompute") and key[1] > 2 for key in fused._kernels)


def test_long_sequences_run_backward_in_blocks(compiled, monkeypatch):
    """T > BLOCK: eager forward, backward as blocks of BLOCK steps carrying the gradient across."""
    monkeypatch.setattr(fused, "BLOCK", 2)
    params, surrogate, sltt = CASES["hard, detached, v0 tensor"]
    _check_against_reference(params, surrogate, sltt, *_inputs((5, 2, 3), seed=1))
    steps = {key[1] for key in fused._kernels if key[0] == "backward" and key[3] == surrogate}
    assert {1, 2} <= steps


def test_batch_and_layer_size_do_not_recompile(compiled):
    params, surrogate, _ = CASES["hard, detached, v0 tensor"]

    def run(*shape):
        x = torch.randn(4, *shape, dtype=torch.float64, requires_grad=True)
        lif_multistep(x, params, surrogate).spikes.sum().backward()

    run(2, 3)
    graphs = counters["stats"]["unique_graphs"]
    for shape in ((5, 7), (3, 2, 9), (64,)):
        run(*shape)
    assert counters["stats"]["unique_graphs"] == graphs


def test_a_failed_compile_warns_once_and_falls_back(compiled, monkeypatch):
    def no_compiler(*args, **kwargs):
        raise RuntimeError("no C++ compiler found")

    monkeypatch.setattr(torch, "compile", no_compiler)
    monkeypatch.setattr(fused, "_kernels", {})
    monkeypatch.setattr(fused, "_broken", [])
    def twice():
        _check_against_reference(LIFParams(soft_reset=True), Sigmoid(), False, *_inputs())
        LIF()(torch.rand(3, 2, 4, requires_grad=True)).sum().backward()

    with pytest.warns(RuntimeWarning, match="no C.. compiler found") as caught:
        twice()
    assert len(caught) == 1 and not fused._kernels


def test_switched_off_builds_nothing(monkeypatch):
    monkeypatch.setenv("SPIKESLIM_COMPILE", "0")
    monkeypatch.setattr(fused, "_kernels", {})
    x = torch.rand(3, 2, 4, requires_grad=True)
    lif_multistep(x, LIFParams(), ATan()).spikes.sum().backward()
    assert not fused._kernels


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_compiled_kernels_on_cuda(compiled):
    for params, surrogate, sltt in CASES.values():
        _check_against_reference(params, surrogate, sltt, *_inputs(device="cuda"))
        x, _, (weights, *_) = _inputs(device="cuda")
        v0 = torch.tensor(0.3, dtype=torch.float64, device="cuda", requires_grad=True)
        spikes, _ = lif_spikes(x, params, surrogate, v0, sltt=sltt)
        ref = lif_multistep_loop(x, params, surrogate, v0, sltt=sltt)
        assert torch.equal(spikes, ref.spikes)
        for a, b in zip(*(torch.autograd.grad((s * weights).sum(), (x, v0)) for s in (spikes, ref.spikes))):
            assert torch.allclose(a, b, rtol=1e-10, atol=1e-12)
