"""The synthetic-set file: one `.npz` any NumPy user can open, with its provenance inside.

Keys: `frames` (smallest unsigned integer dtype holding the counts, [N, T, 2, H, W]), `labels`
([N] int64) and `meta` (a JSON string: the FrameSpec's record (dataset, T, binning, downsample,
source), H, W, n_samples, n_classes, the spikeslim version, and the set's own provenance: method,
ipc, seed, options, timings, wall time ...). Written atomically, so an interrupted run never
leaves a truncated set behind.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any

import numpy as np

from spikeslim import __version__
from spikeslim.datasets.base import BINNINGS, FrameSet, FrameSpec, is_int
from spikeslim.errors import InvalidConfigError, SpikeslimError
from spikeslim.files import atomic_path
from spikeslim.safeio import load_npz

KEYS = ("frames", "labels", "meta")
#: meta fields `save_set` fills in from the frames themselves (and `load_set` reads back as such)
SHAPE_FACTS = ("T", "H", "W", "n_samples", "n_classes")


class InvalidSetFileError(SpikeslimError, ValueError):
    """A synthetic-set file is missing keys, has the wrong shapes or is not an .npz at all, or
    frames to be saved are not counts."""


def as_count_frames(frames: np.ndarray, error: type[Exception] = InvalidSetFileError) -> np.ndarray:
    """Convert non-negative integer-valued counts to the smallest unsigned dtype that holds them;
    anything else raises the caller's `error` class."""
    frames = np.asarray(frames)
    if frames.size and (frames.min() < 0 or not np.all(np.equal(np.mod(frames, 1), 0))):
        raise error("synthetic frames must be non-negative integer counts")
    top = int(frames.max()) if frames.size else 0
    dtype = np.uint8 if top <= np.iinfo(np.uint8).max else np.uint16 if top <= np.iinfo(np.uint16).max else np.uint32
    return frames.astype(dtype)


def save_set(path: str | os.PathLike[str], frames: FrameSet, meta: dict[str, Any]) -> None:
    """Write `frames` and `meta` (merged over `frames.meta`) to `path` atomically as compressed .npz.

    The spec's record, shape facts (T, H, W, N, n_classes) and the spikeslim version are filled
    in from the data so the file always describes itself correctly.
    """
    counts = as_count_frames(frames.frames)
    n, t, _, h, w = counts.shape
    info = {**frames.meta, **meta, **(frames.spec.record() if frames.spec is not None else {})}
    info.update(T=t, H=h, W=w, n_samples=n, n_classes=frames.n_classes)
    info.setdefault("spikeslim_version", __version__)
    text = json.dumps(info, default=_json_default)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:  # a file object stops numpy appending a second ".npz"
            np.savez_compressed(fh, frames=counts, labels=np.asarray(frames.labels, dtype=np.int64),
                                meta=np.array(text))


def load_set(path: str | os.PathLike[str], *, data_dir: str | os.PathLike[str] | None = None) -> FrameSet:
    """Read a set written by `save_set`, checking every array and meta field before trusting it.

    Its `spec` (None if the file names no dataset) reads the real data it was made from in
    `data_dir`, by default the folder the file records. The archive is read by
    `safeio.load_npz` (no pickle, sizes checked before decompressing); errors name the file and
    what is wrong with it.
    """
    if not os.path.isfile(path):
        raise InvalidSetFileError(f"{os.fspath(path)}: no such set file")
    arrays = load_npz(path, KEYS, InvalidSetFileError)
    missing = [k for k in KEYS if k not in arrays]
    if missing:
        raise InvalidSetFileError(f"{os.fspath(path)}: not a spikeslim set, lacks keys {missing}")
    data = _checked(os.fspath(path), arrays["frames"], arrays["labels"], _meta(os.fspath(path), arrays["meta"]))
    return data if data.spec is None else replace(data, spec=data.spec.at(data_dir))


def _meta(path: str, raw: np.ndarray) -> dict[str, Any]:
    if raw.shape != () or raw.dtype.kind != "U":
        raise InvalidSetFileError(f"{path}: meta must be one JSON string, got {raw.dtype} {raw.shape}")
    try:
        meta = json.loads(str(raw[()]))
    except ValueError as err:
        raise InvalidSetFileError(f"{path}: meta is not valid JSON ({err})") from err
    if not isinstance(meta, dict):
        raise InvalidSetFileError(f"{path}: meta must be a JSON object, got {type(meta).__name__}")
    return meta


def _checked(path: str, frames: np.ndarray, labels: np.ndarray, meta: dict[str, Any]) -> FrameSet:
    """The set, once its shapes, dtypes, labels and the meta fields other code relies on agree."""
    if frames.ndim != 5 or frames.shape[2] != 2 or frames.dtype.kind != "u":
        raise InvalidSetFileError(f"{path}: frames must be unsigned [N, T, 2, H, W], got {frames.dtype} {frames.shape}")
    if 0 in frames.shape:
        raise InvalidSetFileError(f"{path}: frames {frames.shape} are empty (N, T, H and W must be at least 1)")
    if labels.shape != (len(frames),) or labels.dtype.kind not in "iu":
        raise InvalidSetFileError(f"{path}: {len(frames)} frames need [N] integer labels, got {labels.dtype} {labels.shape}")
    n_classes = meta.get("n_classes", int(labels.max()) + 1)
    if not is_int(n_classes) or n_classes < 1:
        raise InvalidSetFileError(f"{path}: meta n_classes must be a positive integer, got {n_classes!r}")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise InvalidSetFileError(f"{path}: labels span [{labels.min()}, {labels.max()}] but the set declares "
                                  f"{n_classes} classes")
    n, t, _, h, w = frames.shape
    for key, actual in (("T", t), ("H", h), ("W", w), ("n_samples", n)):
        if key in meta and not (is_int(meta[key]) and meta[key] == actual):
            raise InvalidSetFileError(f"{path}: meta {key}={meta[key]!r} but the frames have {key}={actual}")
    problems = {
        "dataset": lambda v: isinstance(v, str) and v != "",
        "source": lambda v: v is None or isinstance(v, str),
        "binning": lambda v: v in BINNINGS,
        "downsample": lambda v: is_int(v) and v >= 1,
        "duration_us": lambda v: is_int(v) and v >= t,
        "class_names": lambda v: isinstance(v, list) and len(v) == n_classes and all(isinstance(c, str) for c in v),
    }
    bad = [f"{k}={meta[k]!r}" for k, ok in problems.items() if k in meta and not ok(meta[k])]
    if bad:
        raise InvalidSetFileError(f"{path}: meta field{'s' if len(bad) > 1 else ''} {', '.join(bad)} "
                                  "cannot describe these frames")
    try:
        spec = FrameSpec.from_record({**meta, "T": t}) if "dataset" in meta else None
    except InvalidConfigError as err:
        raise InvalidSetFileError(f"{path}: {err}") from err
    told = {*SHAPE_FACTS, *(spec.record() if spec is not None else ())}
    return FrameSet(frames, labels.astype(np.int64), int(n_classes), spec,
                    {k: v for k, v in meta.items() if k not in told})


def _json_default(obj: Any) -> Any:
    """numpy scalars and paths show up in run arguments; JSON needs plain values."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return str(obj)
