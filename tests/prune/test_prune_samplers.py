"""Every sampler keeps the requested fraction, plans within range, and reacts to what it observes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spikeslim.errors import InvalidConfigError, UnknownNameError
from spikeslim.prune import build_sampler, names
from spikeslim.prune.sadp import SADPSampler
from spikeslim.prune.scores import el2n
from spikeslim.train.plugins import RunContext

DYNAMIC = ("sadp", "random")


def _observe_all(sampler, n: int, errors: np.ndarray, T: int = 2, C: int = 4, D: int = 6) -> None:
    """Feed logits whose error for example i grows with errors[i] (label 0, its logit -errors[i])."""
    logits = torch.zeros(T, n, C)
    logits[:, :, 0] = -torch.as_tensor(errors, dtype=torch.float32)
    sampler.observe(torch.arange(n), logits, torch.ones(T, n, D), torch.zeros(n, dtype=torch.long))


@pytest.mark.parametrize("name", DYNAMIC)
@pytest.mark.parametrize("keep", [0.3, 0.5, 1.0])
def test_total_examples_seen_match_keep(name: str, keep: float, frameset) -> None:
    n, epochs = len(frameset), 8
    sampler = build_sampler(name, frameset, keep=keep, run=RunContext())
    seen = 0
    for epoch in range(epochs):
        idx, w = sampler.plan(epoch, epochs)
        assert idx.dtype == np.int64 and w.dtype == np.float32 and len(idx) == len(w)
        assert len(np.unique(idx)) == len(idx) and idx.min() >= 0 and idx.max() < n
        assert np.all(w > 0)
        seen += len(idx)
        _observe_all(sampler, n, np.random.default_rng(epoch).exponential(size=n))
    assert seen == pytest.approx(keep * n * epochs, abs=epochs)


def test_sadp_prefers_high_gradient_examples_and_reweights_them_down(frameset) -> None:
    n = len(frameset)
    sampler = build_sampler("sadp", frameset, keep=0.25, options={"smoothing": 0.1, "anneal": 0.0}, run=RunContext())
    errors = np.where(np.arange(n) < 10, 6.0, -6.0)  # first 10: wrong and confident -> large error
    _observe_all(sampler, n, errors)
    plans = [sampler.plan(epoch, 50) for epoch in range(50)]
    idx, w = np.concatenate([p[0] for p in plans]), np.concatenate([p[1] for p in plans])
    hard = idx < 10
    assert all(len(p[0]) == 10 for p in plans)
    assert hard.mean() > 0.8, "the high-score examples take most of the budget"
    assert np.all(w[hard] < 1.0) and np.all(w[~hard] > 1.0)


def test_sadp_scores_unseen_examples_optimistically(frameset) -> None:
    n = len(frameset)
    sampler = SADPSampler(n, keep=0.5, seed=0, score=el2n)
    sampler.observe(torch.arange(5), torch.zeros(1, 5, 4), torch.zeros(1, 5, 3), torch.zeros(5, dtype=torch.long))
    importance = sampler.importance()
    assert np.all(importance[5:] == importance[:5].max())


def test_sadp_state_round_trip_gives_the_same_plan(frameset) -> None:
    n = len(frameset)
    a = build_sampler("sadp", frameset, keep=0.4, run=RunContext(seed=3))
    _observe_all(a, n, np.linspace(-2, 2, n))
    b = build_sampler("sadp", frameset, keep=0.4, run=RunContext(seed=3))
    b.load_state_dict(a.state_dict())
    for x, y in zip(a.plan(2, 10), b.plan(2, 10)):
        np.testing.assert_array_equal(x, y)


def test_sadp_anneals_to_full_data(frameset) -> None:
    sampler = build_sampler("sadp", frameset, keep=0.5, options={"anneal": 0.2}, run=RunContext())
    idx, w = sampler.plan(9, 10)
    assert sorted(idx) == list(range(len(frameset))) and np.all(w == 1.0)


def test_infobatch_prunes_only_well_learned_examples_and_rescales_them(frameset) -> None:
    n = len(frameset)
    sampler = build_sampler("infobatch", frameset, keep=0.5, options={"anneal": 0.0}, run=RunContext())
    idx, w = sampler.plan(0, 10)
    assert len(idx) == n and np.all(w == 1.0), "nothing is known before the first epoch"
    errors = np.where(np.arange(n) < 30, -4.0, 4.0)  # 30 well learned, 10 hard
    _observe_all(sampler, n, errors)
    idx, w = sampler.plan(1, 10)
    assert len(idx) == n // 2 and set(range(30, 40)) <= set(idx)
    easy = idx < 30
    np.testing.assert_allclose(w[easy], 3.0)  # 20 of 30 dropped -> weight 1 / (1 - 2/3)
    assert np.all(w[~easy] == 1.0)
    assert w.sum() == pytest.approx(n), "the rescaled epoch carries the full data's total weight"


def test_registry_lists_methods_and_rejects_bad_input(frameset) -> None:
    assert set(names()) == {"sadp", "random", "el2n", "grand", "forgetting", "infobatch"}
    with pytest.raises(UnknownNameError, match="sadp"):
        build_sampler("nope", frameset, keep=0.5, run=RunContext())
    with pytest.raises(InvalidConfigError, match="keep"):
        build_sampler("sadp", frameset, keep=0.0, run=RunContext())
    with pytest.raises(InvalidConfigError, match="smoothness"):
        build_sampler("sadp", frameset, keep=0.5, options={"smoothness": 1.0}, run=RunContext())
