"""N-MNIST (Orchard et al. 2015) from its native folder of `.bin` recordings, never downloaded."""

from __future__ import annotations

from pathlib import Path

from spikeslim.datasets.base import DatasetSpec
from spikeslim.datasets.folder import FileSplit, find_root, require_data_dir
from spikeslim.errors import DatasetMissingError
from spikeslim.events.readers import NMNIST_SENSOR, read_nmnist_bin

HOW_TO_GET = """Expected layout (the full dataset after unzipping Train.zip and Test.zip):
  <data-dir>/NMNIST/Train/<digit>/<NNNNN>.bin   and   <data-dir>/NMNIST/Test/<digit>/<NNNNN>.bin
or --data-dir pointing straight at the folder holding Train/ and Test/.
Download: https://www.garrickorchard.com/datasets/n-mnist (mirror: https://data.mendeley.com/datasets/468j46mzdv/1)"""

_FOLDERS = {"train": "Train", "test": "Test"}


def open_nmnist(split: str, data_dir: Path | None) -> FileSplit:
    """List `<root>/{Train,Test}/<digit>/*.bin`, sorted by digit then file name (tonic's order)."""
    folder = _FOLDERS[split]
    root = find_root(require_data_dir(data_dir, "nmnist", HOW_TO_GET), "NMNIST", folder, "nmnist",
                     HOW_TO_GET)
    paths, labels = [], []
    for digit in range(10):
        files = sorted((root / folder / str(digit)).glob("*.bin"))
        paths += files
        labels += [digit] * len(files)
    if not paths:
        raise DatasetMissingError(f"nmnist: no <digit>/*.bin recordings under {root / folder}.\n{HOW_TO_GET}")
    return FileSplit(paths, labels, NMNIST_SENSOR, read_nmnist_bin)


SPEC = DatasetSpec(
    name="nmnist",
    sensor_size=NMNIST_SENSOR,
    class_names=[str(d) for d in range(10)],
    description="N-MNIST: MNIST digits recorded by an ATIS camera in three saccades (60,000 / 10,000)",
    how_to_get=HOW_TO_GET,
    embedded=False,
    open=open_nmnist,
    default_T=10,
)
