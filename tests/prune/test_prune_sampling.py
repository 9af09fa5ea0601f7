"""Importance sampling: exact inclusion law, unbiased weights, requested sizes, budgets."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from spikeslim.errors import InvalidConfigError
from spikeslim.prune.base import (
    Budget,
    ScoreTable,
    importance_plan,
    inclusion_probabilities,
    systematic_sample,
    top_k,
    unbiased_weights,
)


def _segments(pi: np.ndarray) -> list[tuple[float, float]]:
    """The intervals of u in [0, 1) on which systematic sampling returns a fixed set."""
    cuts = np.unique(np.concatenate([[0.0, 1.0], np.mod(np.cumsum(pi), 1.0)]))
    return [(a, b) for a, b in zip(cuts[:-1], cuts[1:]) if b - a > 1e-12]


def test_inclusion_probabilities_sum_to_k_and_cap_at_one() -> None:
    scores = np.array([100.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    pi = inclusion_probabilities(scores, 3)
    assert pi.sum() == pytest.approx(3.0)
    assert pi[0] == 1.0 and np.all(pi <= 1.0)
    np.testing.assert_allclose(pi[1:] / pi[1], scores[1:] / scores[1])


def test_systematic_sample_hits_each_item_with_probability_pi() -> None:
    pi = inclusion_probabilities(np.array([5.0, 1.0, 0.5, 3.0, 2.0, 0.7, 1.3]), 3)
    freq = np.zeros_like(pi)
    for a, b in _segments(pi):
        chosen = systematic_sample(pi, (a + b) / 2)
        assert len(np.unique(chosen)) == 3
        freq[chosen] += b - a
    np.testing.assert_allclose(freq, pi, atol=1e-12)


def test_weighted_loss_gradient_is_exactly_unbiased_on_a_linear_model() -> None:
    """E_u[grad mean_i(w_i loss_i)] over the sample equals the full-data mean-loss gradient."""
    g = torch.Generator().manual_seed(1)
    n, d, c, k = 9, 5, 3, 4
    x, y = torch.randn(n, d, generator=g, dtype=torch.float64), torch.randint(0, c, (n,), generator=g)
    model = torch.nn.Linear(d, c).double()
    full = torch.autograd.grad(F.cross_entropy(model(x), y), model.weight)[0]
    pi = inclusion_probabilities(np.random.default_rng(2).uniform(0.1, 3.0, n), k)

    def expected_gradient(weighted: bool) -> torch.Tensor:
        total = torch.zeros_like(full)
        for a, b in _segments(pi):
            chosen = systematic_sample(pi, (a + b) / 2)
            w = torch.tensor(unbiased_weights(pi, chosen) if weighted else np.ones(k), dtype=torch.float64)
            loss = (w * F.cross_entropy(model(x[chosen]), y[chosen], reduction="none")).mean()
            total += (b - a) * torch.autograd.grad(loss, model.weight)[0]
        return total

    torch.testing.assert_close(expected_gradient(True), full, atol=1e-6, rtol=1e-6)
    assert not torch.allclose(expected_gradient(False), full, atol=1e-3), "weights must matter here"


def test_importance_plan_draws_k_distinct_at_the_law() -> None:
    scores = np.array([4.0, 1.0, 1.0, 2.0, 0.5, 0.5, 1.0, 2.0])
    pi = inclusion_probabilities(scores, 3)
    rng = np.random.default_rng(0)
    counts = np.zeros(len(scores))
    for _ in range(4000):
        idx, w = importance_plan(scores, 3, rng)
        assert idx.dtype == np.int64 and w.dtype == np.float32 and len(np.unique(idx)) == 3
        np.testing.assert_allclose(w, 3 / (len(scores) * pi[idx]), rtol=1e-6)
        counts[idx] += 1
    np.testing.assert_allclose(counts / 4000, pi, atol=0.03)


def test_bad_scores_and_sizes_are_rejected() -> None:
    with pytest.raises(InvalidConfigError):
        inclusion_probabilities(np.array([1.0, 0.0]), 1)
    with pytest.raises(InvalidConfigError):
        inclusion_probabilities(np.array([1.0, 2.0]), 3)


def test_budget_anneals_at_equal_total_work() -> None:
    budget = Budget(0.5, anneal=0.2)
    fractions = [budget.fraction(e, 10) for e in range(10)]
    assert fractions[-2:] == [1.0, 1.0] and fractions[0] == pytest.approx(3 / 8)
    assert sum(fractions) == pytest.approx(5.0)
    small = Budget(0.1, anneal=0.5)
    assert sum(small.fraction(e, 20) for e in range(20)) == pytest.approx(2.0)
    assert min(small.fraction(e, 20) for e in range(20)) >= 0.05 - 1e-9
    with pytest.raises(InvalidConfigError):
        Budget(0.0)
    with pytest.raises(InvalidConfigError):
        Budget(1.5)


def test_top_k_and_score_table_defaults() -> None:
    rng = np.random.default_rng(0)
    assert set(top_k(np.array([0.1, 5.0, 3.0, 0.2]), 2, rng)) == {1, 2}
    table = ScoreTable(4)
    np.testing.assert_array_equal(table.filled(), np.ones(4))
    table.update(torch.tensor([0, 2]), torch.tensor([1.0, 3.0]))
    np.testing.assert_array_equal(table.filled("max"), [1.0, 3.0, 3.0, 3.0])
    np.testing.assert_array_equal(table.filled("mean"), [1.0, 2.0, 3.0, 2.0])
