"""DVS128 Gesture (Amir et al. 2017) in tonic's per-sample `.npy` layout, never downloaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spikeslim.datasets.base import DatasetSpec
from spikeslim.datasets.folder import FileSplit, find_root, require_data_dir
from spikeslim.errors import CorruptEventFileError, DatasetMissingError
from spikeslim.events.readers import check_stream
from spikeslim.events.types import SensorSize, make_events
from spikeslim.safeio import load_npy

SENSOR = SensorSize(128, 128, 2)
CLASSES = ["hand clapping", "right hand wave", "left hand wave", "right arm cw", "right arm ccw",
           "left arm cw", "left arm ccw", "arm roll", "air drums", "air guitar", "other gestures"]

HOW_TO_GET = """Expected layout (tonic's preprocessed release, one recording per gesture):
  <data-dir>/DVSGesture/ibmGestureTrain/user<NN>_<lighting>/<label>.npy   (and ibmGestureTest/)
  each .npy an [N, 4] array of x, y, polarity, t in milliseconds,
or --data-dir pointing straight at the folder holding ibmGestureTrain/ and ibmGestureTest/.
Download and extract: https://figshare.com/ndownloader/files/38022171 (ibmGestureTrain.tar.gz) and
https://figshare.com/ndownloader/files/38020584 (ibmGestureTest.tar.gz), made by tonic from IBM's
original recordings (https://research.ibm.com/interactive/dvsgesture/)."""

_FOLDERS = {"train": "ibmGestureTrain", "test": "ibmGestureTest"}


def read_gesture_npy(path: Path) -> np.ndarray:
    """Read one `[N, 4]` (x, y, p, t_ms) recording as events with t in microseconds, as tonic does."""
    arr = load_npy(path, CorruptEventFileError)
    if arr.ndim != 2 or arr.shape[1] != 4 or arr.dtype.kind not in "uif" or len(arr) == 0:
        raise CorruptEventFileError(
            f"{path}: expected a non-empty numeric [N, 4] array (x, y, p, t_ms), got {arr.dtype} {arr.shape}"
        )
    t_ms = arr[:, 3].astype(np.int64) if arr.dtype.kind in "ui" else arr[:, 3]
    events = make_events(arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64),
                         (t_ms * 1000).astype(np.int64), (arr[:, 2] != 0).astype(np.int64))
    return check_stream(events, SENSOR, path)


def open_dvsgesture(split: str, data_dir: Path | None) -> FileSplit:
    """List `<root>/ibmGesture{Train,Test}/user*/<label>.npy`, sorted by recording then label."""
    folder = _FOLDERS[split]
    root = find_root(require_data_dir(data_dir, "dvsgesture", HOW_TO_GET), "DVSGesture", folder,
                     "dvsgesture", HOW_TO_GET)
    paths, labels = [], []
    for path in sorted((root / folder).glob("user*/*.npy")):
        if not path.stem.isdigit() or int(path.stem) >= len(CLASSES):
            raise CorruptEventFileError(f"{path}: file name must be a class index 0-{len(CLASSES) - 1}")
        paths.append(path)
        labels.append(int(path.stem))
    if not paths:
        raise DatasetMissingError(f"dvsgesture: no user*/<label>.npy recordings under {root / folder}.\n{HOW_TO_GET}")
    return FileSplit(paths, labels, SENSOR, read_gesture_npy)


SPEC = DatasetSpec(
    name="dvsgesture",
    sensor_size=SENSOR,
    class_names=CLASSES,
    description="DVS128 Gesture: 11 hand and arm gestures by 29 people, DVS128 camera (1,077 / 264)",
    how_to_get=HOW_TO_GET,
    embedded=False,
    open=open_dvsgesture,
    default_T=20,
)
