"""Hostile set files: every malformed one is refused by name; fuzzing finds no traceback."""

import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.datasets.setfile import InvalidSetFileError, load_set, save_set


def good_set(n=6, t=3, classes=3):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 5, size=(n, t, 2, 4, 5)).astype(np.uint8)
    return FrameSet(frames, np.arange(n) % classes, classes, FrameSpec("nmnist", t))


def write_raw(path, frames, labels, meta):
    with open(path, "wb") as fh:
        np.savez(fh, frames=frames, labels=labels, meta=np.array(meta if isinstance(meta, str) else json.dumps(meta)))


def check_loaded(fs):
    """What every set load_set returns guarantees to the code using it."""
    n, t, p, h, w = fs.frames.shape
    assert min(n, t, h, w) >= 1 and p == 2 and fs.frames.dtype.kind == "u"
    assert fs.labels.dtype == np.int64 and fs.labels.shape == (n,)
    assert isinstance(fs.n_classes, int) and 0 <= fs.labels.min() and fs.labels.max() < fs.n_classes
    assert isinstance(fs.meta, dict)


FRAMES = np.ones((4, 2, 2, 3, 3), dtype=np.uint8)
LABELS = np.array([0, 1, 2, 0])
META = {"n_classes": 3, "T": 2, "H": 3, "W": 3}


@pytest.mark.parametrize("frames, labels, meta, reason", [
    (FRAMES, np.array([0, 1, 3, 0]), META, r"labels span \[0, 3\] but the set declares 3 classes"),
    (FRAMES, np.array([0, -1, 2, 0]), META, r"labels span \[-1, 2\]"),
    (FRAMES, np.array([0.0, 1.5, 2.0, 0.0]), META, "integer labels"),
    (FRAMES, np.array([0, 1, 2]), META, "integer labels"),
    (FRAMES, LABELS, [1, 2, 3], "meta must be a JSON object, got list"),
    (FRAMES, LABELS, "42", "meta must be a JSON object, got int"),
    (FRAMES, LABELS, "{not json", "meta is not valid JSON"),
    (FRAMES, LABELS, {"n_classes": "3"}, "n_classes must be a positive integer"),
    (FRAMES, LABELS, {"n_classes": 0}, "n_classes must be a positive integer"),
    (FRAMES, LABELS, {**META, "T": 5}, "meta T=5 but the frames have T=2"),
    (FRAMES, LABELS, {**META, "binning": "events"}, "binning='events'"),
    (FRAMES, LABELS, {**META, "downsample": 0}, "downsample=0"),
    (FRAMES, LABELS, {**META, "class_names": ["a"]}, "class_names"),
    (FRAMES, LABELS, {**META, "duration_us": "long"}, "duration_us"),
    (FRAMES, LABELS, {**META, "dataset": 7}, "dataset=7"),
    (np.ones((0, 2, 2, 3, 3), np.uint8), np.zeros(0, np.int64), {"n_classes": 3}, "empty"),
    (np.ones((4, 0, 2, 3, 3), np.uint8), LABELS, {"n_classes": 3}, "empty"),
    (FRAMES.astype(np.float32), LABELS, META, "frames must be unsigned"),
    (FRAMES.astype(np.int16), LABELS, META, "frames must be unsigned"),
    (FRAMES[:, :, :1], LABELS, META, "frames must be unsigned"),
])
def test_malformed_sets_are_refused_naming_the_file_and_the_fault(tmp_path, frames, labels, meta, reason):
    path = tmp_path / "bad.npz"
    write_raw(path, frames, labels, meta)
    with pytest.raises(InvalidSetFileError, match=reason) as err:
        load_set(path)
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_a_meta_that_is_not_a_string_and_missing_keys(tmp_path):
    path = tmp_path / "bad.npz"
    with open(path, "wb") as fh:
        np.savez(fh, frames=FRAMES, labels=LABELS, meta=np.arange(3))
    with pytest.raises(InvalidSetFileError, match="meta must be one JSON string"):
        load_set(path)
    with open(path, "wb") as fh:
        np.savez(fh, frames=FRAMES, labels=LABELS)
    with pytest.raises(InvalidSetFileError, match=r"lacks keys \['meta'\]"):
        load_set(path)
    with pytest.raises(InvalidSetFileError, match="no such set file"):
        load_set(tmp_path)


def test_a_frames_bomb_is_refused_before_decompressing(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    with open(path, "wb") as fh:
        np.savez_compressed(fh, frames=np.zeros((64, 10, 2, 128, 128), np.uint8), labels=np.zeros(64, np.int64),
                            meta=np.array('{"n_classes": 1}'))
    monkeypatch.setenv("SPIKESLIM_MAX_BYTES", str(4 << 20))
    with pytest.raises(InvalidSetFileError, match=r"bomb\.npz\[frames\].*over the 4,194,304-byte limit"):
        load_set(path)


# --- fuzzing ---------------------------------------------------------------------------------------
json_values = st.recursive(st.none() | st.booleans() | st.integers(-3, 20) | st.floats(allow_nan=False) | st.text(max_size=4),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                           max_leaves=6)
meta_fields = st.sampled_from(["n_classes", "T", "H", "W", "n_samples", "dataset", "source", "binning", "downsample",
                               "duration_us", "class_names"])
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(
    shape=st.lists(st.integers(0, 3), min_size=0, max_size=6),
    dtype=st.sampled_from(["u1", "u2", "u8", "i4", "f4", "?"]),
    label_dtype=st.sampled_from(["i8", "u1", "f8", "i2"]),
    labels=st.lists(st.integers(-2, 5), max_size=5),
    meta=st.dictionaries(meta_fields, json_values, max_size=4) | json_values,
    raw_meta=st.booleans(),
)
def test_fuzzed_structure_loads_cleanly_or_is_refused(shape, dtype, label_dtype, labels, meta, raw_meta):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.npz"
        meta_text = json.dumps(meta) if not raw_meta else str(meta)
        write_raw(path, np.zeros(shape, dtype=dtype), np.array(labels).astype(label_dtype), meta_text)
        try:
            fs = load_set(path)
        except InvalidSetFileError as err:
            assert str(err).startswith(str(path)) and "\n" not in str(err)
            return
        check_loaded(fs)


@pytest.fixture(scope="module")
def valid_bytes():
    with tempfile.TemporaryDirectory() as tmp:
        save_set(Path(tmp) / "s.npz", good_set(), {"method": "random", "ipc": 2})
        return (Path(tmp) / "s.npz").read_bytes()


@FUZZ
@given(data=st.data())
def test_fuzzed_bytes_of_a_valid_set_load_cleanly_or_are_refused(valid_bytes, data):
    raw = bytearray(valid_bytes)
    for _ in range(data.draw(st.integers(1, 8))):
        kind = data.draw(st.sampled_from(["flip", "truncate", "insert", "zero"]))
        at = data.draw(st.integers(0, len(raw) - 1))
        if kind == "flip":
            raw[at] ^= data.draw(st.integers(1, 255))
        elif kind == "truncate":
            del raw[at:]
        elif kind == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        else:
            raw[at:at + 4] = bytes(len(raw[at:at + 4]))
        if not raw:
            break
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.npz"
        path.write_bytes(bytes(raw))
        try:
            fs = load_set(path)
        except InvalidSetFileError as err:
            assert str(path) in str(err)
            return
        check_loaded(fs)
