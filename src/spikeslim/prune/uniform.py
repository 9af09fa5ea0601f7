"""`random`: a fresh uniform random subset every epoch, the baseline every pruning method must beat."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from spikeslim.datasets.base import FrameSet
from spikeslim.prune.base import Budget, check_anneal, epoch_rng, full_plan, uniform_plan
from spikeslim.train.plugins import RunContext


class UniformSampler:
    """Keeps a uniform random `keep` fraction each epoch; weight 1 is already unbiased."""

    def __init__(self, n: int, *, keep: float, seed: int, anneal: float = 0.0) -> None:
        self.n, self.seed = n, seed
        self.budget = Budget(keep, anneal)

    def plan(self, epoch: int, n_epochs: int) -> tuple[np.ndarray, np.ndarray]:
        rng = epoch_rng(self.seed, epoch)
        k = self.budget.count(self.n, epoch, n_epochs)
        return full_plan(self.n, rng) if k >= self.n else uniform_plan(self.n, k, rng)

    def observe(
        self, indices: torch.Tensor, logits: torch.Tensor, features: torch.Tensor, labels: torch.Tensor
    ) -> None:
        """Uniform sampling learns nothing from the forward passes."""

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Stateless: plans depend on (seed, epoch) only."""


@dataclass(frozen=True)
class Options:
    anneal: float = 0.0  # last fraction of epochs on the full data

    def __post_init__(self) -> None:
        check_anneal(self.anneal)


def build(train: FrameSet, keep: float, options: Options, run: RunContext) -> UniformSampler:
    return UniformSampler(len(train), keep=keep, seed=run.seed, anneal=options.anneal)
