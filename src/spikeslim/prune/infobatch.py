"""InfoBatch (Qin et al., ICLR 2024): prune part of the well-learned examples, rescale the rest.

Each epoch, among examples whose latest loss is below the mean, a random fraction r is left out
and the kept ones get loss weight 1 / (1 - r), so the epoch's expected total gradient is the
full-data one; the last epochs train on everything. r is set so the run sees `keep` of the
full-data work; it is capped at `max_prune`, and when too few examples are below the mean the run
keeps more than asked (the method cannot prune hard examples). Examples never observed count as
not well learned, so the first epoch trains on all data, as in the original.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from spikeslim.datasets.base import FrameSet
from spikeslim.errors import InvalidConfigError
from spikeslim.prune.base import Budget, ScoredSampler, ScoreTable, check_anneal, epoch_rng, full_plan
from spikeslim.prune.scores import ScoreFn, ce_loss
from spikeslim.train.losses import per_example_loss
from spikeslim.train.plugins import RunContext


def _check_max_prune(max_prune: float) -> None:
    if not 0.0 < max_prune < 1.0:
        raise InvalidConfigError(f"max_prune must be in (0, 1), got {max_prune!r}")


class InfoBatchSampler(ScoredSampler):
    def __init__(
        self, n: int, *, keep: float, seed: int, loss: ScoreFn = ce_loss,
        anneal: float = 0.125, max_prune: float = 0.9,
    ) -> None:
        _check_max_prune(max_prune)
        self.n, self.seed, self.score, self.max_prune = n, seed, loss, max_prune
        self.budget = Budget(keep, anneal)
        self.table = ScoreTable(n)

    def plan(self, epoch: int, n_epochs: int) -> tuple[np.ndarray, np.ndarray]:
        rng = epoch_rng(self.seed, epoch)
        k = self.budget.count(self.n, epoch, n_epochs)
        seen = self.table.seen
        if k >= self.n or not seen.any():
            return full_plan(self.n, rng)
        losses = self.table.values
        well = np.flatnonzero(seen & (losses < losses[seen].mean()))
        n_drop = min(self.n - k, int(self.max_prune * len(well)))
        dropped = rng.choice(well, size=n_drop, replace=False)
        weights = np.ones(self.n, dtype=np.float32)
        if n_drop:
            weights[well] = 1.0 / (1.0 - n_drop / len(well))
        kept = np.setdiff1d(np.arange(self.n), dropped)
        order = rng.permutation(kept).astype(np.int64)
        return order, weights[order]


def _trainer_loss(logits: torch.Tensor, features: torch.Tensor, labels: torch.Tensor, *, kind: str, tet_lambda: float) -> torch.Tensor:
    return per_example_loss(logits.float(), labels.long(), kind, tet_lambda)


@dataclass(frozen=True)
class Options:
    anneal: float = 0.125
    max_prune: float = 0.9

    def __post_init__(self) -> None:
        check_anneal(self.anneal)
        _check_max_prune(self.max_prune)


def build(train: FrameSet, keep: float, options: Options, run: RunContext) -> InfoBatchSampler:
    """The score is the trainer's own per-example loss (the run's `loss` and `tet_lambda` when known)."""
    loss: ScoreFn = ce_loss
    if run.config is not None:
        loss = partial(_trainer_loss, kind=run.config.loss, tet_lambda=run.config.tet_lambda)
    return InfoBatchSampler(len(train), keep=keep, seed=run.seed, loss=loss, anneal=options.anneal,
                            max_prune=options.max_prune)
