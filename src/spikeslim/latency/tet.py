"""TET (Deng et al., ICLR 2022) at T: direct training with the mean over steps of each step's CE.

Every step is asked to classify on its own, the idea HSD's step-wise distillation shares; at
T = 1 it equals direct training. `tet_lambda` weighs TET's MSE regulariser on the logits.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from spikeslim.datasets.base import FrameSet
from spikeslim.errors import InvalidConfigError
from spikeslim.latency import direct
from spikeslim.latency.base import LatencyResult, recipe
from spikeslim.train.plugins import RunContext


@dataclass(frozen=True)
class Options(direct.Options):
    tet_lambda: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.tet_lambda <= 1:
            raise InvalidConfigError(f"tet: option tet_lambda={self.tet_lambda} must lie in [0, 1]")


def build(train: FrameSet, steps: tuple[int, ...], options: Options, run: RunContext, *,
          test: FrameSet | None = None) -> LatencyResult:
    config = dataclasses.replace(recipe(run), loss="tet", tet_lambda=options.tet_lambda)
    return LatencyResult([direct.train_at(train, test, T, config, options, run, name="tet") for T in steps])
