"""Hostile dataset folders: forged recordings, huge headers, and folders that change under a cache."""

import os
import tracemalloc

import numpy as np
import pytest

from spikeslim.datasets import FrameSpec, load_frames, open_split
from spikeslim.errors import CorruptEventFileError, InvalidConfigError
from spikeslim.events import readers
from spikeslim.events.readers import encode_nmnist
from spikeslim.events.types import make_events


def gesture_tree(tmp_path, arr, name="0.npy"):
    folder = tmp_path / "ibmGestureTrain" / "user01_led"
    folder.mkdir(parents=True)
    path = folder / name
    if isinstance(arr, bytes):
        path.write_bytes(arr)
    else:
        np.save(path, arr, allow_pickle=True)
    return path


def forged_header(shape):
    import io

    fh = io.BytesIO()
    np.lib.format.write_array_header_1_0(fh, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return fh.getvalue() + bytes(64)


@pytest.mark.parametrize("content, reason", [
    (forged_header((10**9, 4)), "header promises"),
    (forged_header((2**62, 4)), "header promises"),
    (np.array([[object()]], dtype=object), "Python objects"),
    (np.zeros((3, 5)), r"\[N, 4\] array"),
    (np.zeros((0, 4)), r"non-empty numeric \[N, 4\] array"),
    (np.array([[1, 2, 1, 5], [999, 2, 1, 6]]), r"x ranges over \[1, 999\]"),
    (np.array([[1, 2, 1, 9], [1, 2, 1, 5]]), "timestamps go backwards"),
    (b"garbage", "not a readable .npy"),
])
def test_bad_gesture_recordings_are_named_without_allocating(tmp_path, content, reason):
    path = gesture_tree(tmp_path, content)
    split = open_split("dvsgesture", "train", tmp_path)
    tracemalloc.start()
    with pytest.raises(CorruptEventFileError, match=reason) as err:
        split[0]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert str(path) in str(err.value) and peak < 4 << 20


def write_bin(path, n, seed):
    rng = np.random.default_rng(seed)
    events = make_events(rng.integers(0, 34, n), rng.integers(0, 34, n), np.sort(rng.integers(0, 300_000, n)),
                         rng.integers(0, 2, n))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode_nmnist(events))


@pytest.fixture
def nmnist_tree(tmp_path):
    for split in ("Train", "Test"):
        for digit in (0, 1):
            write_bin(tmp_path / "data" / split / str(digit) / "00001.bin", 50, seed=digit)
    return tmp_path / "data"


def load(data_dir, cache, **kw):
    return load_frames(FrameSpec.of("nmnist", T=2, data_dir=data_dir, **kw), "train", cache_dir=cache, progress=False)


def test_a_changed_folder_is_rebinned_not_served_from_the_stale_cache(nmnist_tree, tmp_path):
    cache = tmp_path / "cache"
    first = load(nmnist_tree, cache)
    assert len(first) == 2 and int(first.frames[0].sum()) < 50
    write_bin(nmnist_tree / "Train" / "0" / "00001.bin", 500, seed=7)  # replaced recording
    replaced = load(nmnist_tree, cache)
    assert int(replaced.frames[0].sum()) > 400
    write_bin(nmnist_tree / "Train" / "1" / "00002.bin", 50, seed=8)  # added recording
    assert len(load(nmnist_tree, cache)) == 3
    (nmnist_tree / "Train" / "1" / "00002.bin").rename(nmnist_tree / "Train" / "0" / "00002.bin")  # relabelled
    assert load(nmnist_tree, cache).labels.tolist() == [0, 0, 1]
    assert sum(1 for _ in cache.rglob("frames.npy")) == 1  # rebuilt in place, not beside the stale one


def test_an_oversized_nmnist_file_is_refused_before_reading(nmnist_tree, monkeypatch):
    path = nmnist_tree / "Train" / "0" / "00001.bin"
    monkeypatch.setattr(readers, "NMNIST_MAX_BYTES", 100)
    with pytest.raises(CorruptEventFileError, match=f"{path}: 250 bytes, over the 100-byte limit"):
        readers.read_nmnist_bin(path)


@pytest.mark.parametrize("settings, reason", [
    ({"downsample": 0}, "--downsample 0: must be a positive integer"),
    ({"downsample": 35}, "--downsample 35: must be an integer in 1-34 for nmnist's 34x34 sensor"),
    ({"T": 0}, "--T 0: time bins must be a positive integer"),
    ({"T": -4}, "--T -4"),
    ({"T": 2.5}, "--T 2.5"),
    ({"T": 10**9}, "over the .*-byte limit"),
])
def test_binning_settings_outside_the_sensor_are_refused(nmnist_tree, tmp_path, settings, reason):
    with pytest.raises(InvalidConfigError, match=reason):
        load_frames(FrameSpec.of("nmnist", data_dir=nmnist_tree, **{"T": 2, **settings}), "train",
                    cache_dir=tmp_path / "c", progress=False)
    assert not (tmp_path / "c").exists()


def test_the_spec_records_the_source_folder(nmnist_tree, tmp_path):
    assert load(nmnist_tree, tmp_path / "c").spec.source == os.fspath(nmnist_tree.resolve())
