"""An on-disk frame cache: bin a dataset once, then memory-map it on every later run.

One folder per key (dataset, split, binning settings, source folder) holding `frames.npy`
[N, T, P, H, W] uint16, `labels.npy` [N] int64 and `key.json`. Each file is written atomically and
`key.json` last, so a folder is complete exactly when its key is there: an interrupted build
leaves nothing a later run could mistake for a cache, and simply starts again.

`key.json` also records a `stamp` of what the frames were built from (for folders of recordings,
a digest of every file's name, size and modification time) and the array shape: an entry whose
stamp or shape differs from what the caller expects is rebuilt, never served stale.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from spikeslim.errors import CorruptEventFileError, OutputError
from spikeslim.files import atomic_path, write_json
from spikeslim.progress import progress_bar
from spikeslim.safeio import load_npy

_MAX = int(np.iinfo(np.uint16).max)


def default_cache_dir() -> Path:
    """`$SPIKESLIM_CACHE`, else `~/.cache/spikeslim`: the one rule for frame caches and embedded datasets."""
    return Path(os.environ.get("SPIKESLIM_CACHE") or Path.home() / ".cache" / "spikeslim")


def entry_dir(cache_dir: str | os.PathLike[str], key: Mapping[str, Any]) -> Path:
    """The folder for `key`: readable settings plus a digest of the whole key."""
    text = json.dumps(dict(key), sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    readable = ",".join(f"{k}={v}" for k, v in key.items() if k not in ("dataset", "source"))
    return Path(cache_dir) / str(key.get("dataset", "frames")) / f"{readable}-{digest}".replace(os.sep, "_")


def load_cached(folder: Path, key: Mapping[str, Any], sample_shape: tuple[int, ...],
                stamp: str | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """Memory-mapped frames and labels if `folder` holds a complete cache for `key` built from
    `stamp`, whose arrays have the shape and dtypes `key.json` promises; else None."""
    try:
        record = json.loads((folder / "key.json").read_text())
        if not isinstance(record, dict) or record.get("key") != json.loads(json.dumps(dict(key))):
            return None
        if record.get("stamp") != stamp or not isinstance(record.get("n"), int):
            return None
        frames = load_npy(folder / "frames.npy", CorruptEventFileError, mmap=True)
        labels = load_npy(folder / "labels.npy", CorruptEventFileError)
    except (OSError, ValueError, CorruptEventFileError):
        return None
    n = record["n"]
    if frames.shape != (n, *sample_shape) or frames.dtype != np.uint16 or labels.shape != (n,) \
            or labels.dtype != np.int64:
        return None
    return frames, labels


def cached_frames(
    cache_dir: str | os.PathLike[str],
    key: Mapping[str, Any],
    sample_shape: tuple[int, ...],
    open_samples: Callable[[], Sequence[tuple[np.ndarray, int]]],
    *,
    stamp: str | None = None,
    progress: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Frames [N, *sample_shape] and labels [N] for `key`; on a miss, `open_samples()` gives the
    (frames, label) pairs to store, so a hit never touches the source data. `stamp` identifies
    the source's content (see the module docstring); an entry built from another is rebuilt.

    Counts above 65535 are clipped to fit uint16, with a warning naming the sample.
    """
    folder = entry_dir(cache_dir, key)
    hit = load_cached(folder, key, sample_shape, stamp)
    if hit is not None:
        return hit
    (folder / "key.json").unlink(missing_ok=True)  # an unreadable or stale old entry is rebuilt whole
    samples = open_samples()
    n = len(samples)
    _check_room(folder, n * int(np.prod(sample_shape, dtype=np.int64)) * 2)
    labels = np.empty(n, dtype=np.int64)
    with atomic_path(folder / "frames.npy") as tmp:
        frames = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.uint16, shape=(n, *sample_shape))
        bar = progress_bar(range(n), desc=f"binning {key.get('dataset', '')} {key.get('split', '')}",
                           unit="sample", disable=not progress)
        for i in bar:
            counts, labels[i] = samples[i]
            if counts.max(initial=0) > _MAX:
                warnings.warn(f"sample {i}: counts up to {int(counts.max())} clipped to {_MAX} in the cache")
                counts = np.minimum(counts, _MAX)
            frames[i] = counts
        frames.flush()
        del frames
    with atomic_path(folder / "labels.npy") as tmp, open(tmp, "wb") as fh:
        np.save(fh, labels)
    write_json(folder / "key.json", {"key": dict(key), "stamp": stamp, "n": n})
    return np.load(folder / "frames.npy", mmap_mode="r"), labels


def _check_room(folder: Path, nbytes: int) -> None:
    """Refuse, before writing anything, a cache that the disk under `folder` cannot hold."""
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if nbytes > free:
        raise OutputError(f"{folder}: the frame cache needs {nbytes:,} bytes but only {free:,} are free there "
                          "(use --cache-dir, a smaller --T or a larger --downsample)")
