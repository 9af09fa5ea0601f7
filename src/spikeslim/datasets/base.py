"""What every dataset provides: a spec in the registry, event splits, and binned frame sets."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from spikeslim.events.types import SensorSize

SPLITS = ("train", "test")


class EventSplit(Protocol):
    """One split of an event dataset: indexable (events, label) pairs plus all labels at once."""

    sensor_size: SensorSize
    labels: np.ndarray  # [N] int64

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]: ...


@dataclass(frozen=True)
class DatasetSpec:
    """A registry entry. `open(split, data_dir)` returns an EventSplit or raises DatasetMissingError."""

    name: str
    sensor_size: SensorSize
    class_names: Sequence[str]
    description: str
    how_to_get: str  # shown when files are missing: layout expected and where to download
    embedded: bool  # generated locally, needs no download
    open: Callable[[str, Path | None], EventSplit]
    default_T: int = 10

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


@dataclass(frozen=True)
class FrameSet:
    """Binned event frames ready for training: integer counts [N, T, 2, H, W] and labels [N]."""

    frames: np.ndarray
    labels: np.ndarray
    n_classes: int
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.frames.ndim != 5 or self.frames.shape[2] != 2:
            raise ValueError(f"frames must be [N, T, 2, H, W], got {self.frames.shape}")
        if len(self.labels) != len(self.frames):
            raise ValueError(f"{len(self.frames)} frames but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def T(self) -> int:
        return self.frames.shape[1]

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """Per-sample shape (T, 2, H, W)."""
        return tuple(self.frames.shape[1:])  # type: ignore[return-value]

    def subset(self, indices: Sequence[int] | np.ndarray) -> "FrameSet":
        idx = np.asarray(indices, dtype=np.int64)
        return FrameSet(np.asarray(self.frames[idx]), self.labels[idx], self.n_classes, dict(self.meta))
