"""What every pruning sampler shares: the per-epoch budget and the sampling rules.

A sampler (the trainer's protocol, `spikeslim.train.hooks.Sampler`) decides, each epoch, which training examples the trainer sees and with what loss
weight; it learns from the trainer's own forward passes (`observe`), so scoring costs no extra
pass. Randomness is drawn from `(seed, epoch)`, never from carried state, so a resumed run plans
the same epochs as an uninterrupted one given the same scores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from spikeslim.errors import InvalidConfigError


def check_keep(keep: float) -> float:
    if not (isinstance(keep, (int, float)) and 0.0 < keep <= 1.0):
        raise InvalidConfigError(f"keep must be a fraction in (0, 1], got {keep!r}")
    return float(keep)


def check_anneal(anneal: float) -> float:
    if not 0.0 <= anneal < 1.0:
        raise InvalidConfigError(f"anneal must be a fraction in [0, 1), got {anneal!r}")
    return anneal


def check_proxies(name: str, score_epochs: int | None, n_proxies: int) -> None:
    """Proxy-scored methods: at least one proxy, trained 0 or more epochs (None: the method's default)."""
    if n_proxies < 1 or (score_epochs is not None and score_epochs < 0):
        raise InvalidConfigError(f"{name}: need n_proxies >= 1 and score epochs >= 0, got {n_proxies}, {score_epochs}")


@dataclass(frozen=True)
class Budget:
    """How many examples each epoch sees so that the whole run sees `keep` of the full-data work.

    With `anneal` > 0 the last `anneal` fraction of epochs train on the full data (as InfoBatch
    and SADP do); the pruned epochs then keep less, so methods compare at equal examples seen.
    Annealing never takes more than half the budget: it is shortened when `keep` is small.
    """

    keep: float
    anneal: float = 0.0

    def __post_init__(self) -> None:
        check_keep(self.keep)
        check_anneal(self.anneal)

    def n_anneal(self, n_epochs: int) -> int:
        if self.keep >= 1.0:
            return n_epochs
        wanted = round(self.anneal * n_epochs)
        return min(wanted, math.floor(self.keep * n_epochs / (2.0 - self.keep)))

    def fraction(self, epoch: int, n_epochs: int) -> float:
        """Fraction of the training set epoch `epoch` (0-based) of `n_epochs` sees."""
        if not 0 <= epoch < n_epochs:
            raise InvalidConfigError(f"epoch {epoch} is outside 0..{n_epochs - 1}")
        full = self.n_anneal(n_epochs)
        if epoch >= n_epochs - full:
            return 1.0
        return (self.keep * n_epochs - full) / (n_epochs - full)

    def count(self, n: int, epoch: int, n_epochs: int) -> int:
        return max(1, min(n, round(self.fraction(epoch, n_epochs) * n)))


def epoch_rng(seed: int, epoch: int) -> np.random.Generator:
    return np.random.default_rng([seed, epoch])


def full_plan(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Every example once, shuffled, weight 1."""
    return rng.permutation(n).astype(np.int64), np.ones(n, dtype=np.float32)


def uniform_plan(n: int, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """k distinct examples uniformly at random; weight 1 keeps the gradient unbiased."""
    return rng.choice(n, size=k, replace=False).astype(np.int64), np.ones(k, dtype=np.float32)


def top_k(scores: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of the k highest scores, ties broken at random, in random order."""
    order = np.lexsort((rng.random(len(scores)), -np.asarray(scores, dtype=np.float64)))
    return rng.permutation(order[:k]).astype(np.int64)


def inclusion_probabilities(scores: np.ndarray, k: int) -> np.ndarray:
    """pi_i proportional to scores, capped at 1, summing to k: the sampling law of `importance_plan`.

    An example whose share would exceed 1 is always kept; the rest of the budget is spread over
    the others in proportion to their scores.
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1 or not 1 <= k <= len(s):
        raise InvalidConfigError(f"need 1 <= k <= {len(s)} and 1-D scores, got k={k}, shape {s.shape}")
    if not np.all(np.isfinite(s)) or np.any(s <= 0):
        raise InvalidConfigError("importance scores must be finite and positive (smooth them first)")
    pi = np.zeros_like(s)
    capped = np.zeros(len(s), dtype=bool)
    while True:
        free = ~capped
        pi[free] = (k - capped.sum()) * s[free] / s[free].sum()
        over = free & (pi >= 1.0)
        if not over.any():
            break
        capped |= over
        pi[capped] = 1.0
    return pi


def systematic_sample(pi: np.ndarray, u: float) -> np.ndarray:
    """The items hit by the points u, u+1, ..., u+k-1 on the cumulative sum of pi (sum k).

    Every item i is chosen with probability exactly pi_i when u ~ U[0, 1), no item twice
    (each pi_i <= 1), and exactly k items are returned.
    """
    k = int(round(pi.sum()))
    cum = np.cumsum(pi)
    cum *= k / cum[-1]
    hit = np.searchsorted(cum, u + np.arange(k), side="right")
    return np.minimum(hit, len(pi) - 1).astype(np.int64)


def importance_plan(scores: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """k distinct examples drawn with inclusion probability pi_i (see above), weight k / (N pi_i).

    The weighted batch mean (1/k) sum_{i in S} w_i g_i then has expectation (1/N) sum_i g_i,
    the full-data gradient, for any per-example gradients g (Horvitz-Thompson estimator).
    """
    n = len(scores)
    pi = inclusion_probabilities(scores, k)
    perm = rng.permutation(n)
    chosen = perm[systematic_sample(pi[perm], float(rng.random()))]
    chosen = rng.permutation(chosen).astype(np.int64)
    return chosen, unbiased_weights(pi, chosen)


def unbiased_weights(pi: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Loss weights k / (N pi_i) for the chosen examples of a sample drawn with inclusion law pi."""
    return (len(chosen) / (len(pi) * pi[chosen])).astype(np.float32)


class ScoreTable:
    """The latest score of each example; NaN until the example is first observed."""

    def __init__(self, n: int) -> None:
        self.values = np.full(n, np.nan)

    def update(self, indices: torch.Tensor | np.ndarray, scores: torch.Tensor | np.ndarray) -> None:
        self.values[as_numpy(indices).astype(np.int64)] = as_numpy(scores).astype(np.float64)

    def state_dict(self) -> dict[str, Any]:
        """Tensors, not arrays: checkpoints are read back with torch.load(weights_only=True)."""
        return {"scores": torch.from_numpy(self.values.copy())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        values = as_numpy(state["scores"]).astype(np.float64)
        if values.shape != self.values.shape:
            raise InvalidConfigError(f"sampler state holds {len(values)} scores, the training set {len(self.values)}")
        self.values = values.copy()

    @property
    def seen(self) -> np.ndarray:
        return ~np.isnan(self.values)

    def filled(self, default: str = "max") -> np.ndarray:
        """Scores with unseen examples set to the max (optimistic: they get drawn) or mean score."""
        out = self.values.copy()
        seen = self.seen
        if not seen.any():
            return np.ones_like(out)
        out[~seen] = np.max(out[seen]) if default == "max" else np.mean(out[seen])
        return out


class ScoredSampler:
    """For samplers that keep one score per example from the trainer's own forward passes.

    `observe` refreshes the scores of the batch just trained on; the score table is the whole
    sampler state that a checkpoint must carry.
    """

    table: ScoreTable
    score: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]

    def observe(
        self, indices: torch.Tensor, logits: torch.Tensor, features: torch.Tensor, labels: torch.Tensor
    ) -> None:
        self.table.update(indices, self.score(logits, features, labels))

    def state_dict(self) -> dict[str, Any]:
        return self.table.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.table.load_state_dict(state)


def as_numpy(x: torch.Tensor | np.ndarray) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
