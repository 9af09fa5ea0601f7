import json
from dataclasses import replace

import numpy as np
import pytest

from spikeslim import __version__
from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.datasets.setfile import InvalidSetFileError, load_set, save_set


def _set(max_count: int = 7) -> FrameSet:
    rng = np.random.default_rng(0)
    frames = rng.integers(0, max_count + 1, size=(4, 3, 2, 5, 6))
    return FrameSet(frames, np.array([0, 0, 1, 2]), 3, FrameSpec("toy", 3))


def test_round_trip_keeps_frames_labels_and_meta(tmp_path):
    fs = _set()
    path = tmp_path / "set.npz"
    save_set(path, fs, {"method": "random", "ipc": 1, "seed": 3, "arguments": {"lr": 0.1}})
    back = load_set(path)
    np.testing.assert_array_equal(back.frames, fs.frames)
    np.testing.assert_array_equal(back.labels, fs.labels)
    assert back.labels.dtype == np.int64
    assert back.n_classes == 3
    assert back.spec == fs.spec and back.meta["method"] == "random"
    assert back.meta["spikeslim_version"] == __version__
    assert back.meta["arguments"] == {"lr": 0.1}


def test_plain_numpy_can_open_it(tmp_path):
    path = tmp_path / "set.npz"
    save_set(path, _set(300), {})
    with np.load(path) as data:
        assert data["frames"].dtype == np.uint16  # smallest unsigned type holding 300
        assert data["frames"].shape == (4, 3, 2, 5, 6)
        assert json.loads(str(data["meta"]))["n_classes"] == 3
    assert list(tmp_path.iterdir()) == [path]  # no temporary left behind


def test_negative_or_fractional_counts_are_refused(tmp_path):
    fs = _set()
    with pytest.raises(InvalidSetFileError, match="non-negative"):
        save_set(tmp_path / "a.npz", FrameSet(fs.frames - 10, fs.labels, 3), {})
    with pytest.raises(InvalidSetFileError, match="integer"):
        save_set(tmp_path / "b.npz", FrameSet(fs.frames + 0.5, fs.labels, 3), {})


def test_bad_files_name_the_file(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(InvalidSetFileError, match="junk.npz"):
        load_set(junk)
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(InvalidSetFileError, match="lacks keys"):
        load_set(tmp_path / "other.npz")
    with pytest.raises(InvalidSetFileError, match="missing.npz"):
        load_set(tmp_path / "missing.npz")


def test_the_spec_round_trips_and_the_real_data_can_be_found_elsewhere(tmp_path):
    fs = _set()
    spec = FrameSpec("nmnist", 3, "count", 2, str(tmp_path / "nmnist"))
    save_set(tmp_path / "s.npz", FrameSet(fs.frames, fs.labels, 3, spec, {"method": "random"}), {})
    back = load_set(tmp_path / "s.npz")
    assert back.spec == spec and back.meta["method"] == "random"
    assert not {"dataset", "T", "binning", "downsample", "source", "H", "n_classes"} & set(back.meta)
    moved = load_set(tmp_path / "s.npz", data_dir=tmp_path / "elsewhere")
    assert moved.spec == replace(spec, data_dir=str((tmp_path / "elsewhere").resolve()))


def test_a_set_file_written_before_the_spec_still_loads(tmp_path):
    """Old files spell the data settings out in meta and record no source folder."""
    fs = _set()
    meta = {"dataset": "digits-dvs", "T": 3, "binning": "count", "downsample": 2, "method": "pace", "ipc": 1,
            "H": 5, "W": 6, "n_samples": 4, "n_classes": 3}
    with open(tmp_path / "old.npz", "wb") as fh:
        np.savez_compressed(fh, frames=fs.frames.astype(np.uint8), labels=fs.labels, meta=np.array(json.dumps(meta)))
    back = load_set(tmp_path / "old.npz")
    assert back.spec == FrameSpec("digits-dvs", 3, "count", 2) and back.meta == {"method": "pace", "ipc": 1}
    with open(tmp_path / "bare.npz", "wb") as fh:
        np.savez_compressed(fh, frames=fs.frames.astype(np.uint8), labels=fs.labels, meta=np.array("{}"))
    assert load_set(tmp_path / "bare.npz").spec is None  # no dataset named: frames of no spec
