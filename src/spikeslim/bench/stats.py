"""Uncertainty of accuracy claims: paired bootstrap intervals over test samples and seeds.

A claim "A beats B" is judged on the same test samples and the same seeds for both: the per-sample
correctness of each run, `[runs, samples]`, A's row r paired with B's row r. The bootstrap draws
runs and test samples with replacement (two-level, so both the training noise between seeds and
the sampling noise of a finite test set enter the interval) and reports the 2.5 / 97.5 percentiles
of the mean difference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    """A difference in accuracy (fractions) and its 95% bootstrap interval."""

    diff: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        """True when the interval lies entirely on one side of zero."""
        return self.low > 0 or self.high < 0

    def text(self, scale: float = 100.0) -> str:
        mark = " *" if self.significant else ""
        return f"{self.diff * scale:+.1f} [{self.low * scale:+.1f}, {self.high * scale:+.1f}]{mark}"


def _as_runs(correct: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(correct, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None]
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"{name} must be per-sample correctness [runs, samples], got shape {arr.shape}")
    return arr


def paired_bootstrap(a: np.ndarray, b: np.ndarray, *, n_boot: int = 2000, seed: int = 0) -> Interval:
    """mean(a) - mean(b) with a 95% interval; a, b: correctness [runs, samples], paired row by row."""
    a, b = _as_runs(a, "a"), _as_runs(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"paired runs need equal shapes, got {a.shape} and {b.shape}")
    diff = a - b
    runs, samples = diff.shape
    rng = np.random.default_rng(seed)
    stats = np.empty(n_boot)
    for i in range(n_boot):
        rows = rng.integers(0, runs, runs)
        cols = rng.integers(0, samples, samples)
        stats[i] = diff[rows][:, cols].mean()
    low, high = np.percentile(stats, [2.5, 97.5])
    return Interval(float(diff.mean()), float(low), float(high))


def binomial_se(accuracy: float, n: int) -> float:
    """Standard error of an accuracy measured on n independent test samples."""
    if n < 1:
        raise ValueError(f"need at least one test sample, got n={n}")
    return float(np.sqrt(accuracy * (1 - accuracy) / n))
