"""Embedded datasets: event streams generated locally on first use, then read from one cached file.

A split is held as its events concatenated (compact dtypes) plus per-sample offsets, which keeps a
few million events in tens of megabytes and makes every sample a slice. The cache file's name
carries a key of everything that shapes the data (generator version, simulator parameters), so
changing any of them regenerates instead of serving stale streams.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from spikeslim.errors import CorruptEventFileError
from spikeslim.events.cache import default_cache_dir
from spikeslim.events.simulator import SIMULATOR_VERSION
from spikeslim.events.types import SensorSize, make_events
from spikeslim.files import atomic_path
from spikeslim.progress import progress_bar
from spikeslim.safeio import load_npz

#: Storage dtypes per field: sensors here are < 256 px wide and recordings < 35 minutes long.
_FIELD_DTYPES = {"x": np.uint8, "y": np.uint8, "t": np.int32, "p": np.uint8}


class EmbeddedSplit:
    """An EventSplit over concatenated events: sample i is events[offsets[i]:offsets[i + 1]]."""

    def __init__(self, fields: dict[str, np.ndarray], offsets: np.ndarray, labels: np.ndarray,
                 sensor_size: SensorSize) -> None:
        self.fields = fields
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.labels = np.asarray(labels, dtype=np.int64)
        self.sensor_size = SensorSize(*sensor_size)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        if not -len(self) <= index < len(self):
            raise IndexError(f"sample {index} out of range for a split of {len(self)}")
        a, b = self.offsets[index], self.offsets[index + 1]
        events = make_events(*(self.fields[f][a:b] for f in "xytp"))
        return events, int(self.labels[index])


def pack(streams: Iterable[tuple[np.ndarray, int]], sensor_size: SensorSize) -> EmbeddedSplit:
    """Concatenate (events, label) pairs into one EmbeddedSplit."""
    streams = list(streams)
    counts = [len(ev) for ev, _ in streams]
    fields = {
        f: np.concatenate([ev[f] for ev, _ in streams] or [np.zeros(0)]).astype(dt)
        for f, dt in _FIELD_DTYPES.items()
    }
    offsets = np.r_[0, np.cumsum(counts)]
    return EmbeddedSplit(fields, offsets, np.array([lab for _, lab in streams]), sensor_size)


def cache_root(data_dir: Path | None = None) -> Path:
    """Where embedded datasets live: `data_dir` if given, else $SPIKESLIM_CACHE, else ~/.cache/spikeslim."""
    return Path(data_dir) if data_dir is not None else default_cache_dir()


def cache_key(generator_version: int, *params: object) -> str:
    """A short stable hash of a generator's version, the simulator's and their parameter dataclasses."""
    blob = json.dumps([generator_version, SIMULATOR_VERSION, *(asdict(p) for p in params)], sort_keys=True)
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


def cached_split(
    path: Path,
    generate: Callable[[], Iterable[tuple[np.ndarray, int]]],
    n_samples: int,
    sensor_size: SensorSize,
    desc: str,
) -> EmbeddedSplit:
    """Read the split at `path`, generating it (with a progress bar) and saving it first if absent."""
    if path.exists():
        return _load(path, sensor_size)
    split = pack(progress_bar(generate(), total=n_samples, desc=desc, unit="sample"), sensor_size)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, offsets=split.offsets, labels=split.labels, **split.fields)
    return split


def _load(path: Path, sensor_size: SensorSize) -> EmbeddedSplit:
    try:
        data = load_npz(path, ("offsets", "labels", *_FIELD_DTYPES), CorruptEventFileError)
        missing = [k for k in ("offsets", "labels", *_FIELD_DTYPES) if k not in data]
        if missing:
            raise CorruptEventFileError(f"{path}: lacks arrays {missing}")
    except CorruptEventFileError as err:
        raise CorruptEventFileError(f"{err}; it is a cached embedded dataset: delete it to regenerate") from err
    return EmbeddedSplit({f: data[f] for f in _FIELD_DTYPES}, data["offsets"], data["labels"], sensor_size)
