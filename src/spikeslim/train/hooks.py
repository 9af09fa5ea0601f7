"""What the trainer calls out to, so methods plug in without `train` importing them.

`fit` takes a `Sampler` (which examples each epoch trains on, with what loss weight);
`train_run` takes a `SamplerFactory` (a sampler chosen by name, built once the run's data and
model are known). `spikeslim.prune` implements both.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import torch

from spikeslim.datasets.base import FrameSet
from spikeslim.train.plugins import RunContext


class Sampler(Protocol):
    """Chooses each epoch's examples and loss weights; sees every training forward pass.

    `plan` returns indices int64 [k] (in the order to train on) and weights float32 [k]; the
    trainer minimises mean_i(w_i * loss_i). `observe` receives detached per-step logits
    [T, B, C], the spikes entering the classifier [T, B, D] and labels [B] of the examples
    `indices` [B]. `state_dict`/`load_state_dict` carry the learnt scores across `--resume`.
    """

    def plan(self, epoch: int, n_epochs: int) -> tuple[np.ndarray, np.ndarray]: ...

    def observe(
        self, indices: torch.Tensor, logits: torch.Tensor, features: torch.Tensor, labels: torch.Tensor
    ) -> None: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class SamplerFactory(Protocol):
    """A pruning method as `spikeslim train --prune NAME --keep F` names it (`prune.Pruning`).

    `name`, `keep` and `options` are recorded in results.json; the call builds the sampler over the run's
    training set, `run` giving its seed, device, progress, recipe and network (a ModelSpec) for proxy
    scoring runs.
    """

    name: str
    keep: float
    options: dict[str, Any]

    def __call__(self, train: FrameSet, run: RunContext) -> Sampler: ...
