"""What the matching distillers share: batch norms calibrated on real data, so a fresh network
responds to event counts, and class-shared (Siamese) augmentation."""

import numpy as np
import pytest
import torch

from spikeslim.condense.base import CondenseError
from spikeslim.condense.matching import calibrate, class_shared_draws, fresh_net, real_sample
from spikeslim.condense.registry import condense_set
from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.snn.models import ModelSpec
from spikeslim.train.augment import SHIFTS
from spikeslim.train.data import to_input
from spikeslim.train.plugins import RunContext

CPU = torch.device("cpu")
SCNN = ModelSpec("scnn", {"width": 8, "depth": 2})


def sparse_digits(n_per_class: int, seed: int = 0) -> FrameSet:
    """N-MNIST-like density: about 5% of pixels hold one or two events, on a class-specific stroke."""
    rng = np.random.default_rng(seed)
    frames, labels = [], []
    for c in range(3):
        for _ in range(n_per_class):
            rate = np.full((4, 2, 12, 12), 0.01)
            rate[:, :, 2 + 3 * c, 2:10] = 0.8
            frames.append(rng.poisson(rate))
            labels.append(c)
    return FrameSet(np.asarray(frames, np.uint16), np.asarray(labels, np.int64), 3, FrameSpec("strokes", 4))


def test_calibrated_norms_normalise_the_real_batch_and_the_network_spikes():
    train = sparse_digits(8)
    x = to_input(train.frames, CPU)
    silent = fresh_net(SCNN, train, torch.Generator().manual_seed(0), CPU).eval()
    net = calibrate(fresh_net(SCNN, train, torch.Generator().manual_seed(0), CPU), x)
    assert not net.training and not any(p.requires_grad for p in net.parameters())
    conv, norm = net.features[0], net.features[1]
    with torch.no_grad():
        y = norm(conv(x.flatten(0, 1)))
        assert torch.allclose(y.mean(dim=(0, 2, 3)), torch.zeros(y.shape[1]), atol=1e-4)
        assert torch.allclose(y.var(dim=(0, 2, 3), unbiased=False), torch.ones(y.shape[1]), atol=1e-2)
        assert net(x, return_features=True)[1].sum() > silent(x, return_features=True)[1].sum()
    assert norm.momentum == 0.1  # training settings restored


def test_real_sample_draws_every_class_up_to_its_size():
    train = sparse_digits(5)
    x = real_sample(train, 3, torch.Generator().manual_seed(0), CPU)
    assert x.shape == (4, 9, 2, 12, 12)
    assert real_sample(train, 99, torch.Generator().manual_seed(0), CPU).shape[1] == 15


def test_dm_through_a_batch_norm_network_moves_its_set():
    """Through an uncalibrated scnn these frames give no spike and DM's set would stay its start."""
    train = sparse_digits(6)
    options = {"iterations": 3, "model": "scnn", "width": 8, "depth": 2, "augment": False, "lr": 0.2}
    run = RunContext(device="cpu", progress=False)
    moved = condense_set("dm", train, 1, options=options, run=run)
    start = condense_set("dm", train, 1, options={**options, "lr": 1e-12}, run=run)
    assert moved.meta["loss_history"][0]["loss"] > 0
    assert (moved.frames != start.frames).any()


def test_class_shared_draws_shift_a_class_alike_in_every_batch():
    """DSA's Siamese augmentation: a class's real and synthetic samples get its one shift."""
    real_y, syn_y = np.array([0, 0, 1, 1, 1, 2]), np.array([0, 1, 2])
    real, syn = class_shared_draws(SHIFTS, 3, [real_y, syn_y], (40, 40), torch.Generator().manual_seed(1))
    for c in range(3):
        shift = {(int(real.dy[i]), int(real.dx[i])) for i in np.flatnonzero(real_y == c)}
        assert shift == {(int(syn.dy[c]), int(syn.dx[c]))}
    assert len({(int(syn.dy[c]), int(syn.dx[c])) for c in range(3)}) > 1  # classes get their own


def test_dc_takes_siamese_augmentation_and_the_loops_export():
    train = sparse_digits(4)
    options = {"iterations": 1, "outer_loop": 1, "inner_steps": 0, "width": 8, "depth": 2, "lr": 0.2}
    run = RunContext(device="cpu", progress=False)
    shifted = condense_set("dc", train, 1, options=options, run=run)
    plain = condense_set("dc", train, 1, options={**options, "augment": False}, run=run)
    assert shifted.meta["loss_history"][0]["loss"] != plain.meta["loss_history"][0]["loss"]
    with pytest.raises(CondenseError, match="dc: export_rounding 'up' is not one of"):
        condense_set("dc", train, 1, options={**options, "export_rounding": "up"}, run=run)
