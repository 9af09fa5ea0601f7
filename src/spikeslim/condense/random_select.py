"""Random coreset: `ipc` real samples per class drawn uniformly, the baseline every method must beat."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spikeslim.condense.base import make_options
from spikeslim.condense.coreset import select_per_class
from spikeslim.datasets.base import FrameSet


@dataclass(frozen=True)
class RandomSelect:
    def condense(self, train: FrameSet, ipc: int, *, seed: int, device: Any = None, progress: bool = True,
                 checkpoint: Path | None = None, resume: bool = False) -> FrameSet:
        rng = np.random.default_rng(seed)
        return select_per_class(train, ipc, lambda c, ix: rng.choice(len(ix), size=ipc, replace=False),
                                method="random", options={}, seed=seed)


def build(**options: Any) -> RandomSelect:
    """Random selection has no options; any given raise a CondenseError."""
    return make_options(RandomSelect, "random", options)
