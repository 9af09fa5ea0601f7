import pytest
import torch

from spikeslim.errors import InvalidConfigError, UnknownNameError
from spikeslim.snn.models import ModelSpec, build_model
from spikeslim.snn.neurons import LIF, LIFParams


@pytest.mark.parametrize("size, flat", [(34, 4), (32, 4), (48, 6)])
def test_convnet_shapes_follow_the_input_size(size, flat):
    model = build_model("convnet", in_shape=(2, size, size), n_classes=10, width=8)
    logits, features = model(torch.rand(2, 3, 2, size, size), return_features=True)
    assert logits.shape == (2, 3, 10)
    assert features.shape == (2, 3, 8 * flat * flat) and model.feature_dim == 8 * flat * flat


@pytest.mark.parametrize("size", [34, 32])
def test_vggsnn_shapes(size):
    model = build_model("vggsnn", in_shape=(2, size, size), n_classes=11, width=2)
    logits, features = model(torch.rand(2, 2, 2, size, size), return_features=True)
    assert logits.shape == (2, 2, 11) and features.shape == (2, 2, 16 * 2 * 2)
    assert sum(isinstance(m, LIF) for m in model.modules()) == 8


@pytest.mark.parametrize("size, out", [(34, 9), (32, 8), (17, 5)])
def test_scnn_strides_halve_the_size_twice_at_full_resolution(size, out):
    model = build_model("scnn", in_shape=(2, size, size), n_classes=10)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(c.out_channels, c.stride) for c in convs] == [(32, (2, 2)), (64, (2, 2))]
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules()) == 2
    logits, features = model(torch.rand(2, 3, 2, size, size), return_features=True)
    assert logits.shape == (2, 3, 10) and features.shape == (2, 3, 64 * out * out) == (2, 3, model.feature_dim)


def test_strided_plan_entries_are_checked():
    from spikeslim.snn.models.spiking_cnn import SpikingCNN

    with pytest.raises(ValueError, match="stride"):
        SpikingCNN([(8, 0)], in_shape=(2, 8, 8), n_classes=2)
    with pytest.raises(ValueError, match="scnn"):
        build_model("scnn", in_shape=(2, 8, 8), n_classes=2, width=0)


def test_convnet_defaults_are_the_distillation_convnet():
    model = build_model("convnet", in_shape=(2, 34, 34), n_classes=10)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    norms = [m for m in model.modules() if isinstance(m, torch.nn.GroupNorm)]
    assert [c.out_channels for c in convs] == [128, 128, 128]
    assert all(n.num_groups == n.num_channels == 128 for n in norms) and len(norms) == 3
    assert model.classifier.in_features == 128 * 4 * 4


@pytest.mark.parametrize(
    "name, norm, threshold", [("convnet", "instance", 0.3), ("convnet", "batch", 0.3), ("convnet", "none", 0.02), ("vggsnn", "batch", 0.3),
     ("scnn", "batch", 0.3)]
)
def test_gradients_reach_every_parameter(name, norm, threshold):
    """Low thresholds so that every layer spikes in a tiny untrained net (without norm, signals shrink)."""
    torch.manual_seed(0)
    model = build_model(name, in_shape=(2, 16, 16), n_classes=4, width=4, norm=norm, neuron={"v_threshold": threshold})
    logits = model(torch.rand(3, 4, 2, 16, 16) * 3)
    torch.nn.functional.cross_entropy(logits.mean(0), torch.tensor([0, 1, 2, 3])).backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, pname


def test_a_few_steps_lower_the_loss():
    torch.manual_seed(0)
    model = build_model("convnet", in_shape=(2, 8, 8), n_classes=2, depth=1, width=8)
    x = torch.rand(4, 8, 2, 8, 8) * 2
    y = torch.tensor([0, 1] * 4)
    x[:, y == 1, 0] += 1.0  # class 1 has more ON events
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(15):
        loss = torch.nn.functional.cross_entropy(model(x).mean(0), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_neuron_and_surrogate_options_reach_the_layers():
    model = build_model("convnet", in_shape=(2, 8, 8), n_classes=2, depth=1, width=2,
                        neuron=LIFParams(tau=None, soft_reset=True), surrogate="triangle", sltt=True)
    (layer,) = [m for m in model.modules() if isinstance(m, LIF)]
    assert layer.params.tau is None and layer.params.soft_reset and layer.sltt
    assert type(layer.surrogate).__name__ == "Triangle"


def test_bad_names_and_inputs():
    for name in ("convnet", "vggsnn", "scnn", "deploy", "qcfs"):
        ModelSpec(name)  # registered, or UnknownNameError
    with pytest.raises(UnknownNameError, match="resnet"):
        build_model("resnet", in_shape=(2, 8, 8), n_classes=2)
    with pytest.raises(ValueError, match="too small"):
        build_model("convnet", in_shape=(2, 4, 4), n_classes=2, depth=3)
    with pytest.raises(ValueError, match="norm"):
        build_model("convnet", in_shape=(2, 8, 8), n_classes=2, norm="layer")
    with pytest.raises(ValueError, match="neuron fields"):
        build_model("convnet", in_shape=(2, 8, 8), n_classes=2, neuron={"threshold": 1.0})
    model = build_model("convnet", in_shape=(2, 8, 8), n_classes=2, depth=1, width=2)
    with pytest.raises(ValueError, match=r"expected input \[T, B, 2, 8, 8\]"):
        model(torch.zeros(3, 2, 8, 8))


def test_a_model_too_large_to_allocate_is_a_one_line_config_error():
    with pytest.raises(InvalidConfigError) as err:
        build_model("convnet", in_shape=(2, 34, 34), n_classes=10, width=2**40)
    assert "\n" not in str(err.value) and "width" in str(err.value)


def test_an_infinite_width_is_a_one_line_config_error():
    """Found by the checkpoint fuzzer: int(inf) is an OverflowError, not a ValueError."""
    with pytest.raises(InvalidConfigError, match="width.*infinity"):
        build_model("convnet", in_shape=(2, 8, 8), n_classes=2, width=float("inf"))
