"""CIFAR10-DVS: writing real AEDAT4 files needs an encoder we do not have, so the layout walk,
the 9:1 split and the errors are tested on placeholder files with the decoder stubbed out."""

import numpy as np
import pytest

from spikeslim.datasets import cifar10dvs, get_spec, open_split
from spikeslim.errors import CorruptEventFileError, DatasetMissingError
from spikeslim.events.types import make_events


@pytest.fixture
def cifar_dir(tmp_path):
    for name in cifar10dvs.CLASSES:
        folder = tmp_path / "CIFAR10DVS" / name
        folder.mkdir(parents=True)
        for i in range(10):
            (folder / f"cifar10_{name}_{i}.aedat4").write_bytes(b"placeholder")
    return tmp_path


def test_walks_layout_and_splits_nine_to_one(cifar_dir, monkeypatch):
    train, test = open_split("cifar10dvs", "train", cifar_dir), open_split("cifar10dvs", "test", cifar_dir)
    assert (len(train), len(test)) == (90, 10)
    assert np.bincount(train.labels).tolist() == [9] * 10 and test.labels.tolist() == list(range(10))
    assert not set(train.paths) & set(test.paths)
    assert test.paths[3].name == "cifar10_cat_9.aedat4"
    monkeypatch.setattr(train, "_read", lambda path: make_events([1], [2], [3], [1]))
    events, label = train[10]
    assert label == 1 and events["x"].tolist() == [1]


def test_missing_class_folder_is_named(cifar_dir):
    for f in (cifar_dir / "CIFAR10DVS" / "ship").iterdir():
        f.unlink()
    with pytest.raises(DatasetMissingError, match="ship"):
        open_split("cifar10dvs", "train", cifar_dir)


def test_missing_dataset_points_to_download(tmp_path):
    with pytest.raises(DatasetMissingError, match="figshare") as info:
        open_split("cifar10dvs", "test", tmp_path)
    assert "CIFAR10DVS/<class>" in str(info.value)


def test_malformed_file_is_named(cifar_dir):
    pytest.importorskip("aedat")
    with pytest.raises(CorruptEventFileError, match="cifar10_airplane_0.aedat4"):
        open_split("cifar10dvs", "train", cifar_dir)[0]


def test_spec():
    spec = get_spec("cifar10dvs")
    assert spec.n_classes == 10 and tuple(spec.sensor_size) == (128, 128, 2)
