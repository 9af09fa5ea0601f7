"""What every dataset provides: a spec in the registry, event splits, and binned frame sets."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from spikeslim.errors import InvalidConfigError
from spikeslim.events.types import SensorSize

SPLITS = ("train", "test")
BINNINGS = ("time", "count")


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
class FrameSpec:
    """How frames were made: which dataset, read from which folder, binned how.

    `load_frames` takes one; every FrameSet, checkpoint and set file carries one, so whatever
    re-loads matching data (test splits, references, teachers) reads it from here. `data_dir` is
    the folder the recordings are read from (resolved): for a real dataset part of what the
    frames are (nmnist-small is not N-MNIST), so `record()` stamps it as `source`; for an
    embedded dataset only where its generated recordings are kept (None: the cache folder).
    """

    dataset: str
    T: int
    binning: str = "time"  # "time": T equal time windows; "count": T equal runs of events
    downsample: int = 1
    data_dir: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.dataset, str) or not self.dataset:
            raise InvalidConfigError(f"dataset {self.dataset!r}: must be a dataset name")
        if not is_int(self.T) or self.T < 1:
            raise InvalidConfigError(f"--T {self.T!r}: time bins must be a positive integer")
        if self.binning not in BINNINGS:
            raise InvalidConfigError(f"unknown binning {self.binning!r}; use one of {', '.join(BINNINGS)}")
        if not is_int(self.downsample) or self.downsample < 1:
            raise InvalidConfigError(f"--downsample {self.downsample!r}: must be a positive integer")
        if self.data_dir is not None and not isinstance(self.data_dir, str):
            raise InvalidConfigError(f"data folder {self.data_dir!r}: must be a path")

    @classmethod
    def of(cls, dataset: str, *, T: int | None = None, binning: str = "time", downsample: int = 1,
           data_dir: str | os.PathLike[str] | None = None) -> "FrameSpec":
        """The spec of the command line's data flags: T defaults to the dataset's, the folder is resolved."""
        from spikeslim.datasets.registry import get_spec

        default_T = get_spec(dataset).default_T
        return cls(dataset, default_T if T is None else T, binning, downsample, _resolved(data_dir))

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "FrameSpec":
        """The spec `record()` wrote (checkpoints, set files); binning and downsample default as
        in files written before they were recorded."""
        return cls(record["dataset"], record["T"], record.get("binning", "time"), record.get("downsample", 1),
                   record.get("source"))

    @property
    def source(self) -> str | None:
        """The folder that identifies the recordings: `data_dir` for a real dataset, None for an
        embedded one (its recordings are the same wherever they are kept)."""
        from spikeslim.datasets.registry import get_spec, names

        if self.data_dir is None or self.dataset not in names():
            return self.data_dir
        return None if get_spec(self.dataset).embedded else self.data_dir

    def settings(self) -> dict[str, Any]:
        """dataset, T, binning and downsample: how the frames were binned, from whichever folder."""
        return {"dataset": self.dataset, "T": self.T, "binning": self.binning, "downsample": self.downsample}

    def record(self) -> dict[str, Any]:
        """`settings()` and `source`: what checkpoints and set files store, and resume compares."""
        return {**self.settings(), "source": self.source}

    def at(self, data_dir: str | os.PathLike[str] | None) -> "FrameSpec":
        """The same frames read from `data_dir` (None: from this spec's own folder)."""
        return self if data_dir is None else replace(self, data_dir=_resolved(data_dir))


def _resolved(folder: str | os.PathLike[str] | None) -> str | None:
    return None if folder is None else str(Path(folder).resolve())


def is_int(value: object) -> bool:
    """A whole number (numpy's too), not a bool: what counts, T and factors must be."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


@dataclass(frozen=True)
class FrameSet:
    """Binned event frames ready for training: integer counts [N, T, 2, H, W] and labels [N].

    `spec` says how they were made (None: frames of no registered dataset); `meta` holds the rest
    of their provenance (split, class names; for condensed sets method, options, timings ...).
    """

    frames: np.ndarray
    labels: np.ndarray
    n_classes: int
    spec: FrameSpec | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.frames.ndim != 5 or self.frames.shape[2] != 2:
            raise ValueError(f"frames must be [N, T, 2, H, W], got {self.frames.shape}")
        if len(self.labels) != len(self.frames):
            raise ValueError(f"{len(self.frames)} frames but {len(self.labels)} labels")
        if self.spec is not None and not isinstance(self.spec, FrameSpec):
            raise TypeError(f"spec must be a FrameSpec, got {type(self.spec).__name__}")
        if self.spec is not None and self.spec.T != self.frames.shape[1]:
            raise ValueError(f"the spec says T={self.spec.T} but the frames have T={self.frames.shape[1]}")

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def T(self) -> int:
        return self.frames.shape[1]

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """Per-sample shape (T, 2, H, W)."""
        return tuple(self.frames.shape[1:])  # type: ignore[return-value]

    def settings(self) -> dict[str, Any]:
        """Its spec's `settings()` (what cache keys of results on these frames hash); frames of no
        dataset give only their T."""
        return self.spec.settings() if self.spec is not None else {"dataset": None, "T": self.T}

    def subset(self, indices: Sequence[int] | np.ndarray) -> "FrameSet":
        idx = np.asarray(indices, dtype=np.int64)
        return replace(self, frames=np.asarray(self.frames[idx]), labels=self.labels[idx], meta=dict(self.meta))
