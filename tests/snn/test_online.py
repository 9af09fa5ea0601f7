import pytest
import torch
import torch.nn.functional as F

from spikeslim.snn.memory import track_saved_tensors
from spikeslim.snn.models import build_model
from spikeslim.snn.online import online_backward

LABELS = torch.tensor([0, 1, 2, 0])


def _model(sltt: bool):
    torch.manual_seed(0)
    return build_model("convnet", in_shape=(2, 8, 8), n_classes=3, depth=2, width=4, sltt=sltt,
                       neuron={"v_threshold": 0.3}).double()


def _frames(steps: int):
    return torch.rand(steps, 4, 2, 8, 8, generator=torch.Generator().manual_seed(steps), dtype=torch.float64) * 2


def _step_loss(logits):
    return F.cross_entropy(logits, LABELS)


def test_meter_counts_saved_storages_once_and_frees_them_after_backward():
    x = torch.randn(100, requires_grad=True, dtype=torch.float64)
    with track_saved_tensors() as meter:
        y = x * x  # saves x twice: one storage
        assert meter.live_bytes == 800
        (y.sin().sum()).backward()  # sin saves y as well
    assert meter.peak_bytes == 1600 and meter.live_bytes == 0


def test_online_gradient_equals_full_sequence_sltt_backprop():
    x = _frames(5)
    full, online = _model(sltt=True), _model(sltt=True)
    logits = full(x)
    torch.stack([_step_loss(step) for step in logits]).mean().backward()
    loss, online_logits = online_backward(online, x, _step_loss)
    assert torch.allclose(online_logits, logits.detach(), atol=1e-12)
    assert loss == pytest.approx(torch.stack([_step_loss(s) for s in logits]).mean().item(), rel=1e-12)
    for (name, a), b in zip(full.named_parameters(), online.parameters()):
        assert a.grad.abs().sum() > 0, name
        assert torch.allclose(a.grad, b.grad, rtol=1e-9, atol=1e-12), name


def test_online_differs_from_bptt_and_restores_layer_state():
    x = _frames(5)
    bptt, online = _model(sltt=False), _model(sltt=False)
    torch.stack([_step_loss(step) for step in bptt(x)]).mean().backward()
    online_backward(online, x, _step_loss)
    grads = [(a.grad, b.grad) for a, b in zip(bptt.parameters(), online.parameters())]
    assert not all(torch.allclose(a, b) for a, b in grads)  # BPTT keeps the temporal path
    assert all(not m.carry_state and m.state is None for m in online.modules() if hasattr(m, "carry_state"))


def _peak_saved_bytes(steps: int, online: bool) -> int:
    model, x = _model(sltt=True), _frames(steps)
    with track_saved_tensors() as meter:
        if online:
            online_backward(model, x, _step_loss)
        else:
            torch.stack([_step_loss(step) for step in model(x)]).mean().backward()
    return meter.peak_bytes


def test_online_memory_does_not_grow_with_T_while_full_sequence_memory_does():
    assert _peak_saved_bytes(8, online=True) == _peak_saved_bytes(2, online=True)
    assert _peak_saved_bytes(8, online=False) > 3 * _peak_saved_bytes(2, online=False)


def test_online_returns_the_per_step_features_when_asked():
    x = _frames(3)
    with torch.no_grad():
        logits, features = _model(sltt=True)(x, return_features=True)
    _, online_logits, online_features = online_backward(_model(sltt=True), x, _step_loss, return_features=True)
    assert torch.allclose(online_logits, logits, atol=1e-12) and torch.allclose(online_features, features, atol=1e-12)
