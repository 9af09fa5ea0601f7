"""ModelSpec: which network to build, checked when made, built from a seed without touching the
caller's global generator."""

import pytest
import torch

from spikeslim.errors import InvalidConfigError, UnknownNameError
from spikeslim.snn.models import ModelSpec, build_model

SHAPE = (2, 8, 8)


def _weights(net: torch.nn.Module) -> list[torch.Tensor]:
    return [v for v in net.state_dict().values() if v.is_floating_point()]


def test_a_spec_is_checked_and_keeps_its_own_options():
    options = {"width": 4, "depth": 1}
    spec = ModelSpec("convnet", options)
    options["width"] = 99
    assert spec.kwargs == {"width": 4, "depth": 1} and ModelSpec("scnn").kwargs == {}
    with pytest.raises(UnknownNameError, match="unknown model 'nope'; known models: convnet"):
        ModelSpec("nope")
    with pytest.raises(InvalidConfigError, match="options must be a dict"):
        ModelSpec("convnet", [("width", 4)])
    with pytest.raises(InvalidConfigError, match="model 'convnet' with {'colour': 'red'}"):
        ModelSpec("convnet", {"colour": "red"}).build(SHAPE, 2, seed=0)


@pytest.mark.parametrize("name, kwargs", [("convnet", {"width": 4, "depth": 1}), ("scnn", {"width": 4}),
                                          ("qcfs", {"channels": [4, 8]})])
def test_a_seeded_build_has_the_weights_of_manual_seed_then_build_model(name, kwargs):
    torch.manual_seed(7)
    before = _weights(build_model(name, in_shape=SHAPE, n_classes=3, **kwargs))
    after = _weights(ModelSpec(name, kwargs).build(SHAPE, 3, seed=7))
    assert len(before) == len(after) and all(torch.equal(a, b) for a, b in zip(before, after))
    other = _weights(ModelSpec(name, kwargs).build(SHAPE, 3, seed=8))
    assert not all(torch.equal(a, b) for a, b in zip(after, other))


def test_building_leaves_the_global_generator_as_it_was():
    torch.manual_seed(123)
    state = torch.get_rng_state()
    ModelSpec("convnet", {"width": 4, "depth": 1}).build(SHAPE, 2, seed=0)
    assert torch.equal(torch.get_rng_state(), state)
    expected = torch.rand(3, generator=torch.Generator().manual_seed(123))
    assert torch.equal(torch.rand(3), expected)  # the caller's stream goes on where it was
