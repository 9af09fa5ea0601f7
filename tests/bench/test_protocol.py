import numpy as np
import pytest

from spikeslim.bench import protocol
from spikeslim.datasets.base import FrameSet
from spikeslim.errors import InvalidConfigError


def frameset(labels):
    labels = np.asarray(labels, dtype=np.int64)
    frames = np.arange(len(labels), dtype=np.uint16).reshape(-1, 1, 1, 1, 1) * np.ones((1, 2, 2, 3, 3), np.uint16)
    return FrameSet(frames, labels, int(labels.max()) + 1)


def test_stratified_folds_partition_every_class_evenly():
    labels = np.repeat(np.arange(4), [50, 23, 7, 31])
    folds = protocol.stratified_folds(labels, 5, seed=0)
    assert set(folds) == set(range(5))
    for c in range(4):
        counts = np.bincount(folds[labels == c], minlength=5)
        assert counts.max() - counts.min() <= 1


def test_validation_is_carved_from_training_data_stratified_and_disjoint():
    train = frameset(np.repeat(np.arange(3), 20))
    fit, val = protocol.validation(train, 0.25)
    ids_fit, ids_val = fit.frames[:, 0, 0, 0, 0], val.frames[:, 0, 0, 0, 0]
    assert len(np.intersect1d(ids_fit, ids_val)) == 0 and len(fit) + len(val) == 60
    assert np.bincount(val.labels).tolist() == [5, 5, 5]
    with pytest.raises(InvalidConfigError, match="fraction"):
        protocol.validation(train, 1.0)


def test_nmnist_small_folds_are_the_subsets_own_and_test_every_recording_once(nmnist_small_dir, monkeypatch):
    monkeypatch.setenv("SPIKESLIM_NMNIST_SMALL", str(nmnist_small_dir))
    proto = protocol.get_protocol("nmnist-small")
    labels = np.concatenate([np.repeat(np.arange(10), [97, 116, 99, 93, 105, 92, 94, 117, 87, 100]),
                             np.repeat(np.arange(10), [8, 14, 8, 11, 14, 7, 10, 15, 2, 11])])
    folds = protocol.fold_of(proto, labels)
    assert np.bincount(folds).tolist() == [220] * 5
    table = {}
    for line in (nmnist_small_dir / "folds.csv").read_text().splitlines()[1:]:
        path, label, fold = line.split(",")
        table[path] = int(fold)
    assert folds[0] == table["Train/0/00002.bin"]


def test_unknown_protocol_is_named():
    with pytest.raises(InvalidConfigError, match="cifar"):
        protocol.get_protocol("cifar")


def test_a_given_nmnist_small_folder_wins_and_one_without_train_is_none(tmp_path, monkeypatch):
    from spikeslim.bench.data import nmnist_small_dir as locate_dir

    monkeypatch.setenv("SPIKESLIM_NMNIST_SMALL", str(tmp_path / "elsewhere"))
    assert locate_dir(tmp_path) is None and locate_dir() is None
    (tmp_path / "Train").mkdir()
    assert locate_dir(tmp_path) == tmp_path.resolve()


def test_split_cache_loads_each_dataset_once_at_its_T(nmnist_small_dir, monkeypatch):
    monkeypatch.setenv("SPIKESLIM_NMNIST_SMALL", str(nmnist_small_dir))
    calls = []
    real = protocol.splits
    monkeypatch.setattr(protocol, "splits", lambda proto, **kw: calls.append(proto.T) or real(proto, **kw))
    cache = protocol.SplitCache(T=4)
    first = cache.get("nmnist-small", "fold0")
    assert cache.get("nmnist-small", "fold1").train.T == first.train.T == 4
    assert cache.get("nmnist-small", "fold0") is first and calls == [4]
