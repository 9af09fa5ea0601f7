import numpy as np
import pytest

from spikeslim.datasets import get_spec, open_split
from spikeslim.errors import CorruptEventFileError, DatasetMissingError
from spikeslim.events.readers import read_nmnist_bin

TRAIN_PER_CLASS = [97, 116, 99, 93, 105, 92, 94, 117, 87, 100]  # from the subset's README


def test_reads_the_real_subset(nmnist_small_dir):
    train, test = open_split("nmnist", "train", nmnist_small_dir), open_split("nmnist", "test", nmnist_small_dir)
    assert (len(train), len(test)) == (1000, 100)
    assert np.bincount(train.labels).tolist() == TRAIN_PER_CLASS
    events, label = train[150]
    assert label == train.labels[150] == 1
    np.testing.assert_array_equal(events, read_nmnist_bin(train.paths[150]))
    assert tuple(train.sensor_size) == (34, 34, 2)


def test_full_dataset_layout_is_the_same_code(nmnist_small_dir, tmp_path):
    (tmp_path / "NMNIST").mkdir()
    for folder in ("Train", "Test"):
        (tmp_path / "NMNIST" / folder).symlink_to(nmnist_small_dir / folder)
    nested = open_split("nmnist", "test", tmp_path)
    direct = open_split("nmnist", "test", nmnist_small_dir)
    assert [p.name for p in nested.paths] == [p.name for p in direct.paths]
    np.testing.assert_array_equal(nested.labels, direct.labels)


def test_missing_data_says_what_is_expected(tmp_path):
    with pytest.raises(DatasetMissingError, match="--data-dir"):
        open_split("nmnist", "train", None)
    with pytest.raises(DatasetMissingError, match="does not exist"):
        open_split("nmnist", "train", tmp_path / "nowhere")
    with pytest.raises(DatasetMissingError, match=r"NMNIST/Train") as info:
        open_split("nmnist", "train", tmp_path)
    assert "garrickorchard.com" in str(info.value)
    (tmp_path / "Train" / "3").mkdir(parents=True)
    with pytest.raises(DatasetMissingError, match="no <digit>/\\*.bin"):
        open_split("nmnist", "train", tmp_path)


def test_a_corrupt_recording_is_named_when_read(tmp_path):
    (tmp_path / "Test" / "4").mkdir(parents=True)
    (tmp_path / "Test" / "4" / "00007.bin").write_bytes(b"\x00" * 7)
    split = open_split("nmnist", "test", tmp_path)
    with pytest.raises(CorruptEventFileError, match="00007.bin"):
        split[0]
    with pytest.raises(IndexError):
        split[1]


def test_spec():
    spec = get_spec("nmnist")
    assert spec.n_classes == 10 and not spec.embedded and spec.default_T == 10
