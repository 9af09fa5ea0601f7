"""SADP: spike-aware data pruning (arXiv 2510.04098), as derived in docs/sadp.md.

Each epoch keeps a fraction of the training set drawn with probability proportional to a
smoothed upper bound of each example's gradient norm and weights each kept loss by k / (N pi_i),
so the expected gradient is the full-data gradient. The bound comes from the logits and
penultimate spikes of the example's latest training forward pass, so it costs no extra pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from spikeslim.datasets.base import FrameSet
from spikeslim.errors import InvalidConfigError
from spikeslim.prune.base import Budget, ScoredSampler, ScoreTable, check_anneal, epoch_rng, full_plan, importance_plan
from spikeslim.prune.scores import ScoreFn, get_score, spike_aware
from spikeslim.train.plugins import RunContext


def _check_smoothing(smoothing: float) -> None:
    if not smoothing > 0:
        raise InvalidConfigError(f"smoothing must be positive, got {smoothing!r}")


class SADPSampler(ScoredSampler):
    """Importance sampling by a per-example gradient-norm bound, refreshed every forward pass.

    `smoothing` adds `smoothing * mean score` to every score before normalising, which bounds
    the largest loss weight by (1 + smoothing) / smoothing times the mean and keeps every example
    reachable. Examples not yet observed get the largest observed score, so they are drawn soon.
    """

    def __init__(
        self, n: int, *, keep: float, seed: int, score: ScoreFn = spike_aware,
        smoothing: float = 0.3, anneal: float = 0.125,
    ) -> None:
        _check_smoothing(smoothing)
        self.n, self.seed, self.score, self.smoothing = n, seed, score, smoothing
        self.budget = Budget(keep, anneal)
        self.table = ScoreTable(n)

    def importance(self) -> np.ndarray:
        """The smoothed scores that sampling probabilities are proportional to."""
        g = self.table.filled("max")
        return g + self.smoothing * max(float(g.mean()), 1e-12)

    def plan(self, epoch: int, n_epochs: int) -> tuple[np.ndarray, np.ndarray]:
        rng = epoch_rng(self.seed, epoch)
        k = self.budget.count(self.n, epoch, n_epochs)
        if k >= self.n:
            return full_plan(self.n, rng)
        return importance_plan(self.importance(), k, rng)


@dataclass(frozen=True)
class Options:
    score: str | ScoreFn = "spike_aware"  # a name from scores.SCORES, or a score function
    smoothing: float = 0.3
    anneal: float = 0.125
    surrogate_slope: float = 1.0  # spike_aware only
    depth_weight: float = 1.0  # spike_aware only

    def __post_init__(self) -> None:
        if isinstance(self.score, str):
            get_score(self.score)  # an unknown name fails here, not after data loading
        _check_smoothing(self.smoothing)
        check_anneal(self.anneal)
        if self.surrogate_slope < 0 or self.depth_weight < 0:
            raise InvalidConfigError(f"sadp: surrogate_slope and depth_weight must be >= 0, got "
                                     f"{self.surrogate_slope}, {self.depth_weight}")


def build(train: FrameSet, keep: float, options: Options, run: RunContext) -> SADPSampler:
    """The bound follows the trainer's loss: per-step for TET, the exact mean-readout form otherwise."""
    o = options
    if o.score == "spike_aware":
        per_step = getattr(run.config, "loss", "mean") == "tet"
        fn: ScoreFn = partial(spike_aware, per_step=per_step, surrogate_slope=o.surrogate_slope,
                              depth_weight=o.depth_weight)
    else:
        fn = get_score(o.score) if isinstance(o.score, str) else o.score
    return SADPSampler(len(train), keep=keep, seed=run.seed, score=fn, smoothing=o.smoothing, anneal=o.anneal)
