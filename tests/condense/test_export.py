import json

import numpy as np
import pytest

from spikeslim.condense.export import encode_nmnist, export_events
from spikeslim.datasets.base import FrameSet
from spikeslim.errors import InvalidEventsError
from spikeslim.events.frames import to_frames
from spikeslim.events.types import make_events


def _set(h=5, w=6, T=4) -> FrameSet:
    rng = np.random.default_rng(2)
    frames = rng.integers(0, 5, size=(3, T, 2, h, w)).astype(np.uint8)
    frames[1, 0] = 0  # an empty first bin must survive the round trip too
    return FrameSet(frames, np.array([2, 0, 2]), 3, {"dataset": "toy"})


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
    assert export_events(long, tmp_path / "b", duration_us=2**23 + 1, progress=False)["formats"] == ["npy"]
    assert not list((tmp_path / "b").rglob("*.bin"))


def test_events_outside_the_nmnist_range_are_refused():
    with pytest.raises(InvalidEventsError, match="N-MNIST"):
        encode_nmnist(make_events([256], [0], [0], [1]))
    with pytest.raises(InvalidEventsError, match="N-MNIST"):
        encode_nmnist(make_events([0], [0], [2**23], [1]))
