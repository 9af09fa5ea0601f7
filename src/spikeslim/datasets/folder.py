"""A split backed by one event file per sample, the layout of every real dataset we read.

Listing files is cheap and reading is lazy, so opening a split of 60,000 recordings costs a
directory walk; each file is decoded only when indexed (by the frame cache, once).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from spikeslim.errors import DatasetMissingError
from spikeslim.events.types import SensorSize


class FileSplit:
    """Indexable (events, label) pairs read on demand by `read(path)`; satisfies `EventSplit`."""

    def __init__(self, paths: Sequence[Path], labels: Sequence[int], sensor_size: SensorSize,
                 read: Callable[[Path], np.ndarray]) -> None:
        self.paths = list(paths)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.sensor_size = sensor_size
        self._read = read

    def __len__(self) -> int:
        return len(self.paths)

    def fingerprint(self) -> str:
        """A digest of every file's name, size, modification time and label: what a frame cache
        built from this split must match (any added, removed, replaced or relabelled file changes it)."""
        digest = hashlib.sha256()
        for path, label in zip(self.paths, self.labels.tolist()):
            st = path.stat()
            digest.update(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{label}\n".encode())
        return digest.hexdigest()[:16]

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for a split of {len(self)} samples")
        return self._read(self.paths[index]), int(self.labels[index])


def require_data_dir(data_dir: Path | None, name: str, how_to_get: str) -> Path:
    """The folder to read `name` from, or a DatasetMissingError that says how to get it."""
    if data_dir is None:
        raise DatasetMissingError(f"{name} is read from a local folder: pass --data-dir.\n{how_to_get}")
    if not Path(data_dir).is_dir():
        raise DatasetMissingError(f"{name}: data folder {data_dir} does not exist.\n{how_to_get}")
    return Path(data_dir)


def find_root(data_dir: Path, subdir: str, marker: str, name: str, how_to_get: str) -> Path:
    """`data_dir/subdir` or `data_dir` itself, whichever holds `marker` (the split folder)."""
    for root in (data_dir / subdir, data_dir):
        if (root / marker).is_dir():
            return root
    raise DatasetMissingError(
        f"{name}: found neither {data_dir / subdir / marker} nor {data_dir / marker}.\n{how_to_get}"
    )
