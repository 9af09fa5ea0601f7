"""The synthetic-set file: one `.npz` any NumPy user can open, with its provenance inside.

Keys: `frames` (smallest unsigned integer dtype holding the counts, [N, T, 2, H, W]), `labels`
([N] int64) and `meta` (a JSON string: dataset, T, H, W, binning, method, ipc, seed, arguments,
spikeslim version, wall time, n_classes ...). Written atomically, so an interrupted run never
leaves a truncated set behind.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import Any

import numpy as np

from spikeslim import __version__
from spikeslim.condense.base import as_count_frames
from spikeslim.datasets.base import FrameSet
from spikeslim.errors import SpikeslimError
from spikeslim.files import atomic_path

KEYS = ("frames", "labels", "meta")


class InvalidSetFileError(SpikeslimError, ValueError):
    """A synthetic-set file is missing keys, has the wrong shapes or is not an .npz at all."""


def save_set(path: str | os.PathLike[str], frames: FrameSet, meta: dict[str, Any]) -> None:
    """Write `frames` and `meta` (merged over `frames.meta`) to `path` atomically as compressed .npz.

    Shape facts (T, H, W, N, n_classes) and the spikeslim version are filled in from the data so
    the file always describes itself correctly.
    """
    counts = as_count_frames(frames.frames)
    n, t, _, h, w = counts.shape
    info = {**frames.meta, **meta}
    info.update(T=t, H=h, W=w, n_samples=n, n_classes=frames.n_classes)
    info.setdefault("spikeslim_version", __version__)
    text = json.dumps(info, default=_plain)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:  # a file object stops numpy appending a second ".npz"
            np.savez_compressed(fh, frames=counts, labels=np.asarray(frames.labels, dtype=np.int64),
                                meta=np.array(text))


def load_set(path: str | os.PathLike[str]) -> FrameSet:
    """Read a set written by `save_set`; errors name the file and what is wrong with it."""
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in KEYS if k not in data.files]
            if missing:
                raise InvalidSetFileError(f"{path}: not a spikeslim set, lacks keys {missing}")
            frames, labels, meta = data["frames"], data["labels"], json.loads(str(data["meta"]))
    except FileNotFoundError as err:
        raise InvalidSetFileError(f"{path}: no such set file") from err
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        if isinstance(err, SpikeslimError):
            raise
        raise InvalidSetFileError(f"{path}: cannot read as a spikeslim .npz set ({err})") from err
    if frames.ndim != 5 or frames.shape[2] != 2 or not np.issubdtype(frames.dtype, np.unsignedinteger):
        raise InvalidSetFileError(f"{path}: frames must be unsigned [N, T, 2, H, W], got {frames.dtype} {frames.shape}")
    if labels.shape != (len(frames),):
        raise InvalidSetFileError(f"{path}: {len(frames)} frames but labels of shape {labels.shape}")
    n_classes = int(meta.get("n_classes", int(labels.max()) + 1 if len(labels) else 0))
    return FrameSet(frames, labels.astype(np.int64), n_classes, meta)


def _plain(obj: Any) -> Any:
    """numpy scalars and paths show up in run arguments; JSON needs plain values."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)
