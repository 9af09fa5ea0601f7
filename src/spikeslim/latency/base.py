"""What every low-latency method shares: its result, the network options, step and path rules.

A method turns training data at F frames into one network per inference step count T (the
budget, as `keep` is pruning's and `ipc` condensation's). Every T's frames are the F frames
summed in groups (`datasets.loading.rebin_frameset`), so all methods see the same events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from spikeslim.errors import InvalidConfigError
from spikeslim.train import TrainConfig, TrainResult
from spikeslim.train.plugins import RunContext

#: the registry name under which `snn.models.build_model` rebuilds every method's networks
MODEL_NAME = "qcfs"


@dataclass(frozen=True, eq=False)
class Trained:
    """A network a method trained, with the row `results.json` records for it (JSON values only)."""

    model: nn.Module
    row: dict[str, Any]


@dataclass(frozen=True, eq=False)
class LatencyResult:
    """A method's answer: one network per T in the order of the steps asked for, and HSD's teacher."""

    networks: list[Trained]
    teacher: Trained | None = None


@dataclass(frozen=True)
class NetworkOptions:
    """The QCFSNet every method trains: conv widths (one 2x2-pooled block each) and the bound,
    the IF threshold scale (HSD's code starts at 8; 2 kept short trainings alive, docs/hsd.md)."""

    channels: list[int] | tuple[int, ...] = (32, 64, 128)
    bound: float = 2.0

    def __post_init__(self) -> None:
        channels = tuple(self.channels)
        if not channels or any(isinstance(c, bool) or not isinstance(c, int) or c < 1 for c in channels):
            raise InvalidConfigError(f"option channels={list(channels)} must be a non-empty list of positive integers")
        object.__setattr__(self, "channels", channels)  # frozen: a list from JSON is stored as a tuple
        if not self.bound > 0:
            raise InvalidConfigError(f"option bound={self.bound} must be positive")


def check_steps(steps: Sequence[int], frames: int) -> tuple[int, ...]:
    """The step counts as a tuple; each must lie in 1..F, since a T's frames sum the F ones."""
    steps = tuple(steps)
    if not steps or any(not 1 <= T <= frames for T in steps):
        raise InvalidConfigError(f"--steps {list(steps)}: each must lie in 1..{frames} (--train-frames, "
                                 "the frames every T is summed from)")
    return steps


def recipe(run: RunContext) -> TrainConfig:
    """The run's training recipe (a default one seeded like the run where it has none)."""
    return run.config if run.config is not None else TrainConfig(seed=run.seed)


def checkpoint_path(run: RunContext, name: str) -> Path | None:
    """Where the network `name` checkpoints in the run's folder (nowhere without one)."""
    return run.checkpoint / name if run.checkpoint is not None else None


def network_row(T: int, result: TrainResult, checkpoint: Path | None) -> dict[str, Any]:
    """The row of a network trained at T: its test metrics (when tested), time, checkpoint."""
    row: dict[str, Any] = {"T": T}
    if result.final:
        row.update(accuracy=result.final["accuracy"], per_step_accuracy=result.final["per_step_accuracy"],
                   spike_rate=result.final.get("spike_rate"))
    row["train_time_s"] = result.wall_time_s
    row["checkpoint"] = str(checkpoint) if checkpoint is not None else None
    return row
