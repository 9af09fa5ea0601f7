"""Forgetting (Toneva et al., ICLR 2019): keep the examples the network forgets most often.

A forgetting event is an example classified correctly at one training pass and wrongly at its
next; examples never classified correctly rank above all others. `ForgettingCounter` counts
events from the trainer's own passes while training on all data: built at keep = 1 it is the
sampler to train with when the counts themselves are wanted (the `forgetting` coreset reads
`.scores` after `fit`). Below keep = 1, the counts come from a short proxy run and the top
`keep` fraction is kept for the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from spikeslim.datasets.base import FrameSet
from spikeslim.prune.base import as_numpy, check_proxies, epoch_rng, full_plan
from spikeslim.prune.static import StaticSampler, proxy_scores, timed_static
from spikeslim.train.plugins import RunContext


class ForgettingCounter:
    """Full data every epoch; per example: `forgotten` events, `ever_correct`, and `scores`."""

    def __init__(self, n: int, *, seed: int) -> None:
        self.n, self.seed = n, seed
        self.correct = np.zeros(n, dtype=bool)
        self.ever_correct = np.zeros(n, dtype=bool)
        self.forgotten = np.zeros(n, dtype=np.int64)

    @property
    def scores(self) -> np.ndarray:
        """Forgetting events as floats; +inf for examples never yet classified correctly."""
        return np.where(self.ever_correct, self.forgotten.astype(np.float64), np.inf)

    def plan(self, epoch: int, n_epochs: int) -> tuple[np.ndarray, np.ndarray]:
        return full_plan(self.n, epoch_rng(self.seed, epoch))

    def observe(
        self, indices: torch.Tensor, logits: torch.Tensor, features: torch.Tensor, labels: torch.Tensor
    ) -> None:
        idx = as_numpy(indices).astype(np.int64)
        now = as_numpy(logits.mean(0).argmax(-1) == labels).astype(bool)
        self.forgotten[idx] += self.correct[idx] & ~now
        self.ever_correct[idx] |= now
        self.correct[idx] = now

    def state_dict(self) -> dict[str, Any]:
        return {name: torch.from_numpy(getattr(self, name).copy()) for name in ("correct", "ever_correct", "forgotten")}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name in ("correct", "ever_correct", "forgotten"):
            setattr(self, name, as_numpy(state[name]).astype(getattr(self, name).dtype).copy())


@dataclass(frozen=True)
class Options:
    score_epochs: int | None = None  # proxy epochs; default a quarter of the run's, at least 2
    n_proxies: int = 1

    def __post_init__(self) -> None:
        check_proxies("forgetting", self.score_epochs, self.n_proxies)


def build(train: FrameSet, keep: float, options: Options, run: RunContext) -> ForgettingCounter | StaticSampler:
    """keep = 1: a counter to train with. Otherwise proxy runs of `score_epochs` (at least 2 by
    default, so an event can happen) rank the examples once."""
    if keep >= 1.0:
        return ForgettingCounter(len(train), seed=run.seed)

    def scores():
        return proxy_scores(
            train, run, name="forgetting", epochs=options.score_epochs, default_fraction=0.25, min_epochs=2,
            n_proxies=options.n_proxies, recorder=lambda s: ForgettingCounter(len(train), seed=s),
        )

    return timed_static(train.labels, scores, keep=keep, seed=run.seed)
