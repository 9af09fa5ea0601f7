import pytest
import torch
from torch import nn

from spikeslim.snn.models import build_model
from spikeslim.snn.record import record_states


def test_one_output_per_spiking_layer_in_forward_order_with_shapes():
    model = build_model("convnet", in_shape=(2, 16, 16), n_classes=3, depth=2, width=4)
    x = torch.rand(3, 2, 2, 16, 16) * 2
    with record_states(model) as states:
        model(x)
    assert [tuple(s.spikes.shape) for s in states] == [(3, 2, 4, 16, 16), (3, 2, 4, 8, 8)]
    for s in states:
        assert s.v_pre.shape == s.v_post.shape == s.spikes.shape
    assert all(layer.recorder is None for layer in model.modules() if hasattr(layer, "recorder"))
    model(x)
    assert len(states) == 2  # recording stopped when the block ended


def test_every_forward_inside_the_block_is_recorded_and_states_carry_gradients():
    model = build_model("convnet", in_shape=(2, 8, 8), n_classes=2, depth=1, width=4)
    x = (torch.rand(2, 1, 2, 8, 8) * 2).requires_grad_()
    with record_states(model) as states:
        model(x)
        model(x)
    assert len(states) == 2
    states[0].v_pre.square().mean().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_model_without_spiking_layers_is_an_error():
    with pytest.raises(ValueError, match="Linear"):
        with record_states(nn.Linear(2, 2)):
            pass
