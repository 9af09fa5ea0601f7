"""FrameSpec: how frames were made, checked when made; the FrameSet that carries it."""

from dataclasses import replace

import numpy as np
import pytest

from spikeslim.datasets import FrameSet, FrameSpec
from spikeslim.errors import InvalidConfigError, UnknownNameError


@pytest.mark.parametrize("fields, reason", [
    ({"dataset": ""}, "must be a dataset name"),
    ({"T": 0}, "--T 0: time bins must be a positive integer"),
    ({"T": 2.0}, "--T 2.0"),
    ({"T": True}, "--T True"),
    ({"binning": "events"}, "unknown binning 'events'; use one of time, count"),
    ({"downsample": 0}, "--downsample 0: must be a positive integer"),
    ({"data_dir": 3}, "data folder 3: must be a path"),
])
def test_bad_settings_are_refused_when_the_spec_is_made(fields, reason):
    with pytest.raises(InvalidConfigError, match=reason):
        FrameSpec(**{"dataset": "nmnist", "T": 4, **fields})


def test_of_fills_in_the_datasets_T_and_resolves_the_folder(tmp_path):
    spec = FrameSpec.of("nmnist", data_dir=tmp_path / "a" / "..")
    assert spec == FrameSpec("nmnist", 10, "time", 1, str(tmp_path.resolve()))
    assert FrameSpec.of("digits-dvs", T=3).T == 3
    with pytest.raises(UnknownNameError, match="unknown dataset 'nope'"):
        FrameSpec.of("nope")


def test_the_source_is_the_folder_of_real_recordings_only(tmp_path):
    real, embedded = FrameSpec("nmnist", 4, data_dir=str(tmp_path)), FrameSpec("digits-dvs", 4, data_dir=str(tmp_path))
    assert real.source == str(tmp_path) and embedded.source is None  # generated recordings are the same anywhere
    assert real.record() == {"dataset": "nmnist", "T": 4, "binning": "time", "downsample": 1, "source": str(tmp_path)}
    assert FrameSpec.from_record(real.record()) == real
    assert FrameSpec.from_record({"dataset": "nmnist", "T": 4}) == FrameSpec("nmnist", 4)  # files from before


def test_at_reads_the_same_frames_from_another_folder(tmp_path):
    spec = FrameSpec("nmnist", 4, "count", 2, "/data/nmnist")
    assert spec.at(None) is spec
    assert spec.at(tmp_path) == replace(spec, data_dir=str(tmp_path.resolve()))
    assert spec.at(tmp_path).settings() == spec.settings()


def test_a_frameset_carries_a_spec_of_its_own_T():
    frames, labels = np.zeros((3, 4, 2, 2, 2), np.uint8), np.arange(3)
    data = FrameSet(frames, labels, 3, FrameSpec("toy", 4), {"split": "train"})
    assert data.settings() == {"dataset": "toy", "T": 4, "binning": "time", "downsample": 1}
    assert FrameSet(frames, labels, 3).settings() == {"dataset": None, "T": 4}
    kept = data.subset([2, 0])
    assert kept.spec == data.spec and kept.meta == data.meta and kept.meta is not data.meta
    with pytest.raises(ValueError, match="the spec says T=5 but the frames have T=4"):
        FrameSet(frames, labels, 3, FrameSpec("toy", 5))
    with pytest.raises(TypeError, match="spec must be a FrameSpec, got dict"):
        FrameSet(frames, labels, 3, {"dataset": "toy", "T": 4})
