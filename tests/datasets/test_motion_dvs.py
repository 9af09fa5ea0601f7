"""motion-dvs: classes defined by motion only, so time-summed frames cannot tell them apart."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from spikeslim.datasets import FrameSpec, load_frames, motion_dvs
from spikeslim.datasets.registry import get_spec, open_split
from spikeslim.errors import UnknownNameError
from spikeslim.events.frames import to_frames
from spikeslim.events.types import validate_events


def test_spec_and_split_sizes():
    spec = get_spec("motion-dvs")
    assert spec.embedded and spec.n_classes == 8 and tuple(spec.sensor_size) == (32, 32, 2)
    for split, per_class in (("train", 150), ("test", 250)):
        labels = motion_dvs.split_labels(split)
        assert np.bincount(labels).tolist() == [per_class] * 8
        assert np.bincount(labels[:16]).tolist() == [2] * 8  # interleaved: prefixes stay balanced


@pytest.mark.parametrize("label", range(8))
def test_every_motion_starts_and_ends_alike(label):
    video = motion_dvs.render(label, np.random.default_rng(label))
    assert video.shape == (len(motion_dvs.frame_times()), 32, 32)
    assert video.min() >= 0.0 and video.max() <= 1.0
    background = video[0].min()
    if motion_dvs.CLASSES[label] in ("clockwise", "counterclockwise"):
        np.testing.assert_allclose(video[0], video[-1], atol=1e-9)  # one full turn in place
        assert video[0].max() > background + 0.3
    else:  # traversals begin and end off the sensor, so every pixel sees the shape come and go
        np.testing.assert_allclose(video[[0, -1]], background)
        assert video.max(axis=0).max() > background + 0.3


def test_samples_are_deterministic_independent_of_batching_and_on_the_sensor():
    pair = list(motion_dvs.generate("test", [0, 9]))
    alone = list(motion_dvs.generate("test", [9]))
    np.testing.assert_array_equal(pair[1][0], alone[0][0])
    assert [lab for _, lab in pair] == [0, 1]
    for events, _ in pair:
        validate_events(events, motion_dvs.SENSOR)
        assert np.all(np.diff(events["t"]) >= 0) and len(events) > 200


def _features(split, classes, per_class, T):
    labels = motion_dvs.split_labels(split)
    idx = np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in classes])
    streams = list(motion_dvs.generate(split, idx))
    frames = np.stack([to_frames(ev, motion_dvs.SENSOR, n_time_bins=T) for ev, _ in streams]).astype(float)
    return frames, np.array([lab for _, lab in streams])


@pytest.mark.parametrize("pair", [("right", "left"), ("accelerating", "decelerating")])
def test_time_summed_frames_cannot_tell_a_pair_apart_but_time_bins_can(pair):
    classes = [motion_dvs.CLASSES.index(name) for name in pair]
    train, y_train = _features("train", classes, 40, T=4)
    test, y_test = _features("test", classes, 25, T=4)

    def accuracy(flatten):
        clf = LogisticRegression(max_iter=2_000).fit(flatten(train), y_train)
        return clf.score(flatten(test), y_test)

    summed = accuracy(lambda f: f.sum(axis=1).reshape(len(f), -1))
    binned = accuracy(lambda f: f.reshape(len(f), -1))
    assert summed < 0.65, summed
    assert binned > 0.9, binned


def test_load_frames_generates_once_then_reads_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SPIKESLIM_CACHE", str(tmp_path))
    monkeypatch.setitem(motion_dvs.PER_CLASS, "test", 2)
    frames = load_frames(FrameSpec("motion-dvs", 5), "test", progress=False)
    assert frames.frames.shape == (16, 5, 2, 32, 32) and frames.n_classes == 8
    assert np.bincount(frames.labels).tolist() == [2] * 8
    assert frames.frames.reshape(16, -1).sum(axis=1).min() > 0
    assert len(list((tmp_path / "embedded").glob("motion-dvs-*-test.npz"))) == 1

    first = open_split("motion-dvs", "test")
    monkeypatch.setattr(motion_dvs, "generate", lambda *a: pytest.fail("regenerated a cached split"))
    again = open_split("motion-dvs", "test")
    np.testing.assert_array_equal(again[5][0], first[5][0])
    np.testing.assert_array_equal(again.labels, first.labels)


def test_unknown_shape_is_named():
    with pytest.raises(UnknownNameError, match="blob"):
        motion_dvs.shape_distance("blob", np.zeros(1), np.zeros(1), 3.0)
