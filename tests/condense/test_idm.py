"""IDM: partition-and-expansion decoding, the decoded set it returns, its pool and its objective."""

import numpy as np
import pytest
import torch

from spikeslim.condense.base import CondenseError, expand
from spikeslim.condense.idm import train_pool
from spikeslim.condense.registry import METHODS, condense_set
from spikeslim.snn.models import ModelSpec
from spikeslim.train.plugins import RunContext

from test_distillers import moving_bars

SMALL = {"model": "convnet", "width": 8, "depth": 1}
QUIET = RunContext(progress=False)


def test_expand_decodes_each_tile_by_nearest_upsampling():
    frames = torch.arange(16).reshape(1, 1, 1, 4, 4)
    out = expand(frames, 2)
    assert out.shape == (4, 1, 1, 4, 4)
    assert out[0, 0, 0].tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [4, 4, 5, 5], [4, 4, 5, 5]]  # top-left tile
    assert out[3, 0, 0, 0, 0] == 10 and out[3, 0, 0, 3, 3] == 15  # bottom-right tile
    assert torch.equal(expand(frames, 1), frames)


def test_idm_returns_factor_squared_decoded_samples_per_stored_one():
    train = moving_bars(4, seed=0)
    out = condense_set("idm", train, 1, options={"iterations": 2, "pool": 2, **SMALL}, run=QUIET)
    assert out.frames.shape == (12, 4, 2, 10, 10) and np.issubdtype(out.frames.dtype, np.unsignedinteger)
    assert out.labels.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert out.meta["ipc"] == 1 and out.meta["decoded_per_class"] == 4 and out.meta["method"] == "idm"
    plain = condense_set("idm", train, 2, options={"iterations": 1, "pool": 1, "factor": 1, **SMALL}, run=QUIET)
    assert plain.frames.shape[0] == 6


def test_the_pool_holds_networks_at_several_training_stages():
    train = moving_bars(4, seed=0)
    pool = train_pool(ModelSpec("convnet", {"width": 8, "depth": 1}), train, 3, seed=0, device=torch.device("cpu"))
    weights = [p.classifier.weight.detach().clone() for p in pool]
    assert len(pool) == 3 and not any(p.training for p in pool)
    assert not torch.equal(weights[0], weights[1]) and not torch.equal(weights[1], weights[2])
    assert all(not q.requires_grad for p in pool for q in p.parameters())


def test_matching_one_fixed_network_lowers_the_loss():
    train = moving_bars(6, seed=1)
    out = condense_set("idm", train, 1, options={"iterations": 25, "pool": 1, "factor": 1, "w_ce": 0.0,
                                                "augment": False, "lr": 0.05, **SMALL}, run=QUIET)
    history = [h["match"] for h in out.meta["loss_history"]]
    assert history[-1] < 0.7 * history[0]


def test_bad_options_and_sizes_are_named():
    with pytest.raises(CondenseError, match="factor"):
        METHODS.options("idm", {"factor": 0})
    with pytest.raises(CondenseError, match="factor 3 does not divide"):
        condense_set("idm", moving_bars(2, 0), 1, options={"factor": 3, "iterations": 1, **SMALL}, run=QUIET)


def test_stored_samples_start_as_pooled_real_samples_that_expand_back():
    from spikeslim.condense.base import tile_down

    real = np.random.default_rng(0).poisson(2.0, (8, 3, 2, 10, 10)).astype(np.float32)
    stored = tile_down(real, 2)
    assert stored.shape == (2, 3, 2, 10, 10)
    decoded = expand(torch.from_numpy(stored), 2).numpy()
    pooled = real.reshape(8, 3, 2, 5, 2, 5, 2).mean(axis=(4, 6))
    np.testing.assert_allclose(decoded, pooled.repeat(2, axis=-2).repeat(2, axis=-1))
    assert decoded.sum() == pytest.approx(real.sum())  # average pooling then repeating keeps the events
