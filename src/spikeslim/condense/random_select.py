"""Random coreset: `ipc` real samples per class drawn uniformly, the baseline every method must beat."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spikeslim.condense.coreset import select_per_class
from spikeslim.datasets.base import FrameSet
from spikeslim.train.plugins import RunContext


@dataclass(frozen=True)
class Options:
    """Random selection has no options."""


def build(train: FrameSet, ipc: int, options: Options, run: RunContext) -> FrameSet:
    rng = np.random.default_rng(run.seed)
    return select_per_class(train, ipc, lambda c, ix: rng.choice(len(ix), size=ipc, replace=False),
                            method="random", options={}, seed=run.seed)
