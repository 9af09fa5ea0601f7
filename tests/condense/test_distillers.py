"""pace, dm and dc end to end on tiny event data: what they return, their switches, and that PACE
lowers the objective it optimises."""

import numpy as np
import pytest
import torch

from spikeslim.condense.base import CondenseError
from spikeslim.condense.dc import twice_differentiable
from spikeslim.condense.pace.features import spiking_features
from spikeslim.condense.registry import METHODS, condense_set
from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.errors import InvalidConfigError
from spikeslim.snn.models import build_model
from spikeslim.train.plugins import RunContext

SMALL = {"width": 8, "depth": 2}
CPU = RunContext(device="cpu", progress=False)


def moving_bars(n_per_class: int, seed: int, n_classes: int = 3, T: int = 4, size: int = 10) -> FrameSet:
    """Each class: a bar on its own row moving right over time, in background noise, plus
    class-independent distractor bars, so one real sample is a poor stand-in for its class."""
    rng = np.random.default_rng(seed)
    frames, labels = [], []
    for c in range(n_classes):
        for _ in range(n_per_class):
            rate = np.full((T, 2, size, size), 0.15)
            for t in range(T):
                rate[t, 0, 2 + 2 * c, 1 + t:4 + t] += 1.5
                y, x = rng.integers(0, size - 3, size=2)
                rate[t, 1, y:y + 3, x] += 1.5
                rate[t, 0, rng.integers(0, size), rng.integers(0, size - 3):][:3] += 1.5
            frames.append(rng.poisson(rate))
            labels.append(c)
    return FrameSet(np.asarray(frames, np.uint16), np.asarray(labels, np.int64), n_classes, FrameSpec("bars", T))


@pytest.mark.parametrize("method, options", [
    ("pace", {"iterations": 2, "features": "teacher", "teacher_epochs": 1}),
    ("pace", {"iterations": 2, "cf": True}),
    ("pace", {"iterations": 2, "features": "pool", "pool_size": 2}),
    ("pace", {"iterations": 2, "features": "bank", "pool_size": 2, "optimizer": "nsgd"}),
    ("dm", {"iterations": 2}),
    ("dc", {"iterations": 1, "outer_loop": 2, "inner_steps": 1}),
])
def test_distillers_return_integer_frames_in_class_major_order(method, options):
    train = moving_bars(4, seed=0)
    out = condense_set(method, train, 2, options={**options, **SMALL}, run=CPU)
    assert out.frames.shape == (6, 4, 2, 10, 10) and np.issubdtype(out.frames.dtype, np.unsignedinteger)
    assert out.labels.tolist() == [0, 0, 1, 1, 2, 2]
    assert out.meta["method"] == method and out.meta["options"]["iterations"] == options["iterations"]
    assert np.isfinite(out.meta["loss_history"][-1]["loss"])


@pytest.mark.parametrize("method", ["pace", "dm", "dc"])
def test_unknown_options_are_named(method):
    with pytest.raises(InvalidConfigError, match="unknown option colour;"):
        METHODS.options(method, {"colour": "red"})


def test_pace_switches_remove_their_terms():
    train = moving_bars(3, seed=0)
    run = dict(iterations=1, **SMALL)
    full = condense_set("pace", train, 1, options={"cf": True, **run}, run=CPU)
    cut = condense_set("pace", train, 1, options={"cf": True, "phase": False, **run}, run=CPU)
    assert {"phase", "cf_phase"} <= set(full.meta["loss_history"][-1])
    assert not {"phase", "cf_phase"} & set(cut.meta["loss_history"][-1])


def test_sdr_features_are_the_membrane_pair_and_carry_gradient():
    net = build_model("convnet", in_shape=(2, 10, 10), n_classes=3, **SMALL)
    x = torch.rand(4, 2, 2, 10, 10, requires_grad=True)
    dense, spikes = spiking_features(net, x), spiking_features(net, x, sdr=False)
    assert len(dense) == 2 and dense[0].seq.shape == (4, 2, 2 * spikes[0].seq.shape[2])
    dense[0].seq.sum().backward()
    assert x.grad.abs().sum() > 0


def test_dc_networks_give_second_order_gradients():
    net = twice_differentiable(build_model("convnet", in_shape=(2, 10, 10), n_classes=3, **SMALL))
    x = (2 * torch.rand(4, 3, 2, 10, 10)).requires_grad_(True)
    loss = torch.nn.functional.cross_entropy(net(x).mean(0), torch.tensor([0, 1, 2]))
    grads = torch.autograd.grad(loss, list(net.parameters()), create_graph=True)
    (second,) = torch.autograd.grad(sum(g.pow(2).sum() for g in grads), [x])
    assert torch.isfinite(second).all() and second.abs().sum() > 0


def test_pace_against_a_frozen_teacher_lowers_its_matching_loss():
    """What PACE's sets rest on: the optimiser draws the synthetic statistics towards the real ones
    (a frozen teacher makes the objective the same function every iteration)."""
    train = moving_bars(6, seed=0)
    options = {"iterations": 15, "features": "teacher", "teacher_epochs": 2, "real_batch": 6, **SMALL}
    losses = [row["loss"] for row in condense_set("pace", train, 1, options=options, run=CPU).meta["loss_history"]]
    assert np.mean(losses[-5:]) < 0.95 * np.mean(losses[:5]), losses


def test_pace_partitioned_samples_decode_to_factor_squared_per_stored_sample():
    train = moving_bars(4, seed=0)
    out = condense_set("pace", train, 1, options={"iterations": 2, "factor": 2, **SMALL}, run=CPU)
    assert out.frames.shape == (12, 4, 2, 10, 10) and out.labels.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert out.meta["ipc"] == 1 and out.meta["decoded_per_class"] == 4
    tile = out.frames[0, :, :, :2, :2]  # nearest up-sampling: each 2x2 block holds one value
    assert (tile == tile[..., :1, :1]).all()
    with pytest.raises(CondenseError, match="pace: factor 3 does not divide the 10x10 frames"):
        condense_set("pace", train, 1, options={"factor": 3, **SMALL}, run=CPU)


def test_pace_layer_weights_select_the_layers_matched():
    train = moving_bars(3, seed=0)
    run = dict(iterations=1, **SMALL)
    both = condense_set("pace", train, 1, options=run, run=CPU).meta["loss_history"][-1]["mean"]
    first = condense_set("pace", train, 1, options={"w_layers": [1.0, 0.0], **run}, run=CPU).meta["loss_history"][-1]["mean"]
    last = condense_set("pace", train, 1, options={"w_layers": [0.0, 1.0], **run}, run=CPU).meta["loss_history"][-1]["mean"]
    assert first > 0 and last > 0 and first + last == pytest.approx(both, rel=1e-4)
    with pytest.raises(CondenseError, match="pace: w_layers has 3 weights; scnn depth 2 has 2 spiking layers"):
        condense_set("pace", train, 1, options={"w_layers": [1.0, 1.0, 1.0], **run}, run=CPU)
    for bad in ([], [0.0, 0.0], [1.0, -1.0], ["a", 1.0], [float("nan"), 1.0]):
        with pytest.raises(CondenseError, match="pace: w_layers"):
            METHODS.options("pace", {"w_layers": bad})


def test_dm_and_idm_take_the_loops_haze_controls():
    train = moving_bars(4, seed=0)
    run = {"iterations": 4, "lr": 0.1, **SMALL}
    hazy = condense_set("dm", train, 2, options=run, run=CPU).frames.sum()
    held = condense_set("dm", train, 2, options={**run, "sparsity": 2.0}, run=CPU).frames.sum()
    assert held < hazy
    with pytest.raises(CondenseError, match="idm: export_rounding 'up' is not one of"):
        METHODS.options("idm", {"export_rounding": "up"})
    with pytest.raises(CondenseError, match="dm: sparsity must be >= 0"):
        METHODS.options("dm", {"sparsity": -1.0})
