import numpy as np
import pytest

from spikeslim.events.cache import cached_frames, default_cache_dir, entry_dir

KEY = {"dataset": "toy", "split": "train", "T": 2}


class Lazy:
    """Counts how often the source is read, and can be interrupted mid-build."""

    def __init__(self, n=5, fail_at=None):
        self.n, self.fail_at, self.reads = n, fail_at, 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.reads += 1
        if i == self.fail_at:
            raise KeyboardInterrupt
        return np.full((2, 2, 3, 3), i, dtype=np.uint16), i % 2


def test_builds_once_then_memory_maps(tmp_path):
    src = Lazy()
    frames, labels = cached_frames(tmp_path, KEY, (2, 2, 3, 3), lambda: src, progress=False)
    assert frames.shape == (5, 2, 2, 3, 3) and frames.dtype == np.uint16
    assert frames[3].min() == 3 and labels.tolist() == [0, 1, 0, 1, 0]
    again, labels2 = cached_frames(tmp_path, KEY, (2, 2, 3, 3), lambda: pytest.fail("re-binned"),
                                   progress=False)
    assert isinstance(again, np.memmap)
    np.testing.assert_array_equal(again, frames)
    np.testing.assert_array_equal(labels2, labels)
    assert src.reads == 5


def test_other_settings_get_their_own_entry(tmp_path):
    a = entry_dir(tmp_path, KEY)
    assert entry_dir(tmp_path, {**KEY, "T": 3}) != a
    assert entry_dir(tmp_path, {**KEY, "source": "/data/full"}) != a


def test_interrupted_build_leaves_no_cache(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        cached_frames(tmp_path, KEY, (2, 2, 3, 3), lambda: Lazy(fail_at=3), progress=False)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
    src = Lazy()
    cached_frames(tmp_path, KEY, (2, 2, 3, 3), lambda: src, progress=False)
    assert src.reads == 5


def test_overflowing_counts_are_clipped_with_a_warning(tmp_path):
    class Big(Lazy):
        def __getitem__(self, i):
            return np.full((1, 2, 1, 1), 70_000, dtype=np.uint32), 0

    with pytest.warns(UserWarning, match="clipped"):
        frames, _ = cached_frames(tmp_path, KEY, (1, 2, 1, 1), lambda: Big(n=1), progress=False)
    assert frames.max() == 65535


def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SPIKESLIM_CACHE", str(tmp_path))
    assert default_cache_dir() == tmp_path
