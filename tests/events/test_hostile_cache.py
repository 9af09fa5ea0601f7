"""A frame cache that was tampered with, is stale, or cannot fit: rebuilt or refused, never served."""

import json
from collections import namedtuple

import numpy as np
import pytest

from spikeslim.errors import OutputError
from spikeslim.events import cache
from spikeslim.events.cache import cached_frames, entry_dir

KEY = {"dataset": "toy", "split": "train", "T": 2}
SHAPE = (2, 2, 3, 3)


class Source:
    def __init__(self, n=4, value=1):
        self.n, self.value, self.reads = n, value, 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.reads += 1
        return np.full(SHAPE, self.value, dtype=np.uint16), i % 2


def build(tmp_path, src, stamp="a"):
    return cached_frames(tmp_path, KEY, SHAPE, lambda: src, stamp=stamp, progress=False)


def test_another_stamp_rebuilds_in_place(tmp_path):
    build(tmp_path, Source(value=1), stamp="a")
    frames, _ = build(tmp_path, Source(value=7), stamp="b")
    assert frames.min() == 7
    hit = Source(value=9)
    frames, _ = build(tmp_path, hit, stamp="b")
    assert frames.min() == 7 and hit.reads == 0
    assert [p.name for p in (tmp_path / "toy").iterdir()] == [entry_dir(tmp_path, KEY).name]


@pytest.mark.parametrize("tamper", [
    lambda d: np.save(d / "frames.npy", np.zeros((4, 2, 2, 3, 4), np.uint16)),  # other shape
    lambda d: np.save(d / "frames.npy", np.zeros((3, *SHAPE), np.uint16)),  # fewer samples
    lambda d: np.save(d / "frames.npy", np.zeros((4, *SHAPE), np.float32)),  # other dtype
    lambda d: np.save(d / "labels.npy", np.zeros(4, np.float64)),
    lambda d: (d / "labels.npy").write_bytes((d / "labels.npy").read_bytes()[:-8]),  # truncated
    lambda d: (d / "frames.npy").write_bytes(b"\x93NUMPY garbage"),
    lambda d: (d / "key.json").write_text("[1, 2]"),
    lambda d: (d / "key.json").write_text(json.dumps({**json.loads((d / "key.json").read_text()), "n": "4"})),
])
def test_a_tampered_entry_is_rebuilt_not_used(tmp_path, tamper):
    build(tmp_path, Source(value=1))
    tamper(entry_dir(tmp_path, KEY))
    src = Source(value=5)
    frames, labels = build(tmp_path, src)
    assert src.reads == 4 and frames.shape == (4, *SHAPE) and frames.min() == 5 and labels.tolist() == [0, 1, 0, 1]


def test_a_cache_the_disk_cannot_hold_is_refused_before_writing(tmp_path, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(cache.shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 100, 100))
    with pytest.raises(OutputError, match=r"needs 288 bytes but only 100 are free"):
        build(tmp_path, Source())
    assert not any(p.is_file() for p in tmp_path.rglob("*"))
