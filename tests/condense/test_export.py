import json

import numpy as np
import pytest

from spikeslim.condense.export import export_events
from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.events.frames import to_frames


def _set(h=5, w=6, T=4) -> FrameSet:
    rng = np.random.default_rng(2)
    frames = rng.integers(0, 5, size=(3, T, 2, h, w)).astype(np.uint8)
    frames[1, 0] = 0  # an empty first bin must survive the round trip too
    return FrameSet(frames, np.array([2, 0, 2]), 3, FrameSpec("toy", T))


def test_exported_events_rebin_to_the_same_frames(tmp_path):
    data = _set()
    summary = export_events(data, tmp_path, duration_us=1000, progress=False)
    assert summary["formats"] == ["npy", "bin"]
    assert summary["n_events"] == int(data.frames.sum())
    for i, label in enumerate(data.labels):
        events = np.load(tmp_path / str(label) / f"{i + 1:05d}.npy")
        assert events.dtype.names == ("x", "y", "t", "p")
        back = to_frames(events, (6, 5, 2), n_time_bins=4, duration_us=1000)
        np.testing.assert_array_equal(back, data.frames[i])
    saved = json.loads((tmp_path / "events.json").read_text())
    assert saved["duration_us"] == 1000 and saved["sensor_size"] == [6, 5, 2]


def test_nmnist_bin_reads_back_with_the_reader(tmp_path):
    from spikeslim.events.readers import read_nmnist_bin

    data = _set()
    export_events(data, tmp_path, duration_us=300_000, progress=False)
    for i, label in enumerate(data.labels):
        npy = np.load(tmp_path / str(label) / f"{i + 1:05d}.npy")
        from_bin = read_nmnist_bin(tmp_path / str(label) / f"{i + 1:05d}.bin")
        for field in "xytp":
            np.testing.assert_array_equal(from_bin[field], npy[field])


def test_large_sensor_or_long_duration_exports_npy_only(tmp_path):
    big = FrameSet(np.ones((1, 2, 2, 3, 300), dtype=np.uint8), np.array([0]), 1)
    assert export_events(big, tmp_path / "a", progress=False)["formats"] == ["npy"]
    long = _set()
    assert export_events(long, tmp_path / "b", duration_us=2**23 + 4, progress=False)["formats"] == ["npy"]
    assert not list((tmp_path / "b").rglob("*.bin"))




def test_tonic_reads_exported_events_back_exactly_with_the_named_call(tmp_path):
    import tonic

    data = _set()
    data.frames[2, -1] = 0
    data.frames[2, -1, 0, 0, 0] = 1  # a last frame with one event, at the last window's start
    summary = export_events(data, tmp_path, duration_us=1000, progress=False)
    saved = json.loads((tmp_path / "events.json").read_text())["tonic"]
    assert saved["call"] == summary["tonic"]["call"]
    exact = tonic.transforms.ToFrame(**saved["kwargs"])
    plain = tonic.transforms.ToFrame(sensor_size=(6, 5, 2), time_window=1000 / 4, include_incomplete=True)
    differ = []
    for i, label in enumerate(data.labels):
        events = np.load(tmp_path / str(label) / f"{i + 1:05d}.npy")
        np.testing.assert_array_equal(exact(events), data.frames[i])
        back = plain(events)
        if back.shape != data.frames[i].shape or not np.array_equal(back, data.frames[i]):
            differ.append(i + 1)
    assert differ == saved["differ_under_plain_call"] == [2, 3]  # empty first frame; one-event last frame
    assert saved["empty_samples"] == []


def test_empty_samples_are_listed_and_durations_must_fit_whole_windows(tmp_path):
    from spikeslim.errors import InvalidConfigError

    data = _set()
    data.frames[0] = 0
    summary = export_events(data, tmp_path, duration_us=1000, progress=False)
    assert summary["tonic"]["empty_samples"] == [1]
    with pytest.raises(InvalidConfigError, match="multiple of T=4"):
        export_events(data, tmp_path / "b", duration_us=1001, progress=False)
    assert export_events(_set(T=7), tmp_path / "c", progress=False)["duration_us"] == 300_006  # 300000 rounded up to 7 windows of 42858 us
