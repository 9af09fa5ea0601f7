"""CIFAR10-DVS (Li et al. 2017) in tonic's `.aedat4` layout, never downloaded.

The dataset has no official train/test split; like the SNN papers we take, per class in file-name
order, the first 90% for training and the last 10% for testing (900 / 100 per class).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spikeslim.datasets.base import DatasetSpec
from spikeslim.datasets.folder import FileSplit, find_root, require_data_dir
from spikeslim.errors import CorruptEventFileError, DatasetMissingError, SpikeslimError
from spikeslim.events.readers import check_stream
from spikeslim.events.types import SensorSize, make_events

SENSOR = SensorSize(128, 128, 2)
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
TRAIN_FRACTION = 0.9

HOW_TO_GET = """Expected layout (tonic's AEDAT4 release, one folder per class):
  <data-dir>/CIFAR10DVS/<class>/<name>.aedat4   with <class> one of airplane, automobile, bird,
  cat, deer, dog, frog, horse, ship, truck,
or --data-dir pointing straight at the folder holding the class folders.
Download https://figshare.com/ndownloader/files/38023437 (CIFAR10DVS.zip) and unzip it and the ten
per-class zips inside; original release: https://figshare.com/articles/dataset/CIFAR10-DVS_New/4724671
Reading .aedat4 needs the `aedat` package: pip install aedat"""


def read_cifar10dvs_aedat4(path: Path) -> np.ndarray:
    """Read one recording with tonic's AEDAT4 reader and re-type it as (x, y, t, p) int64 events."""
    try:
        from tonic.io import read_aedat4
        raw = read_aedat4(str(path))
    except ModuleNotFoundError as err:
        raise SpikeslimError(f"{path}: reading .aedat4 needs the `aedat` package: pip install aedat") from err
    except Exception as err:  # the Rust decoder raises plain exceptions on malformed files
        raise CorruptEventFileError(f"{path}: not a readable AEDAT4 recording ({err})") from err
    on = raw["on"] if "on" in raw.dtype.names else raw["p"]
    events = make_events(raw["x"].astype(np.int64), raw["y"].astype(np.int64),
                         raw["t"].astype(np.int64), on.astype(np.int64))
    return check_stream(events, SENSOR, path)


def open_cifar10dvs(split: str, data_dir: Path | None) -> FileSplit:
    """List each class's `.aedat4` files and keep the split's share of them."""
    root = find_root(require_data_dir(data_dir, "cifar10dvs", HOW_TO_GET), "CIFAR10DVS", CLASSES[0],
                     "cifar10dvs", HOW_TO_GET)
    paths, labels = [], []
    for label, name in enumerate(CLASSES):
        files = sorted((root / name).glob("*.aedat4"))
        if not files:
            raise DatasetMissingError(f"cifar10dvs: no .aedat4 recordings in {root / name}.\n{HOW_TO_GET}")
        n_train = int(len(files) * TRAIN_FRACTION)
        chosen = files[:n_train] if split == "train" else files[n_train:]
        paths += chosen
        labels += [label] * len(chosen)
    return FileSplit(paths, labels, SENSOR, read_cifar10dvs_aedat4)


SPEC = DatasetSpec(
    name="cifar10dvs",
    sensor_size=SENSOR,
    class_names=CLASSES,
    description="CIFAR10-DVS: CIFAR-10 images moved on a monitor before a DVS128 (9,000 / 1,000, 9:1 split)",
    how_to_get=HOW_TO_GET,
    embedded=False,
    open=open_cifar10dvs,
    default_T=10,
)
