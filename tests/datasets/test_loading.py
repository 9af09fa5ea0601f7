from dataclasses import replace

import numpy as np
import pytest

from spikeslim.datasets import FrameSpec, load_frames, nmnist, open_split
from spikeslim.datasets.base import FrameSet
from spikeslim.datasets.loading import rebin_frameset
from spikeslim.errors import DatasetMissingError, InvalidConfigError
from spikeslim.events import to_frames


def test_real_split_to_cached_frames(nmnist_small_dir, tmp_path):
    spec = FrameSpec.of("nmnist", T=5, binning="count", downsample=2, data_dir=nmnist_small_dir)
    fs = load_frames(spec, "test", cache_dir=tmp_path, progress=False)
    assert fs.frames.shape == (100, 5, 2, 17, 17) and fs.frames.dtype == np.uint16
    assert fs.n_classes == 10 and fs.spec == spec and fs.meta["sensor_size"] == [17, 17, 2]
    assert spec.source == str(nmnist_small_dir.resolve()) and fs.T == 5 and "T" not in fs.meta
    split = open_split("nmnist", "test", nmnist_small_dir)
    np.testing.assert_array_equal(fs.labels, split.labels)
    events, _ = split[42]
    np.testing.assert_array_equal(fs.frames[42], to_frames(events, (34, 34, 2), n_event_bins=5, downsample=2))
    assert fs.frames[42].sum() == len(events) - len(events) % 5


def test_second_load_reads_the_cache_without_decoding_the_data(nmnist_small_dir, tmp_path, monkeypatch):
    spec = FrameSpec.of("nmnist", T=3, data_dir=nmnist_small_dir)
    first = load_frames(spec, "test", cache_dir=tmp_path, progress=False)
    # the folder is listed (to check the cache is still current) but no recording is read
    monkeypatch.setattr(nmnist, "read_nmnist_bin", lambda *a: pytest.fail("a recording was read again"))
    again = load_frames(spec, "test", cache_dir=tmp_path, progress=False)
    assert isinstance(again.frames, np.memmap)
    np.testing.assert_array_equal(again.frames, first.frames)
    monkeypatch.undo()
    other = load_frames(replace(spec, T=4), "test", cache_dir=tmp_path, progress=False)
    assert other.T == 4


def test_bad_settings_and_missing_data(tmp_path):
    with pytest.raises(InvalidConfigError, match="'events'"):
        FrameSpec.of("nmnist", binning="events", data_dir=tmp_path)
    with pytest.raises(DatasetMissingError, match="NMNIST"):
        load_frames(FrameSpec.of("nmnist", data_dir=tmp_path), "test", cache_dir=tmp_path / "cache", progress=False)
    assert not (tmp_path / "cache" / "nmnist").exists() or not any((tmp_path / "cache").rglob("key.json"))


def test_frameset_keeps_labels_and_records_origin():
    data = FrameSet(np.ones((5, 6, 2, 3, 3), np.uint8), np.arange(5), n_classes=5, spec=FrameSpec("toy", 6))
    out = rebin_frameset(data, 2)
    assert out.T == 2 and out.spec == FrameSpec("toy", 2) and out.meta["rebinned_from"] == 6
    assert data.spec.T == 6 and data.meta == {}  # the input is untouched
    np.testing.assert_array_equal(out.labels, data.labels)
    assert int(out.frames.sum()) == int(data.frames.sum())
