"""The shared storage of embedded datasets: concatenated events, offsets and a keyed cache file."""

import numpy as np
import pytest

from spikeslim.datasets.embedded import cache_key, cache_root, cached_split, pack
from spikeslim.errors import CorruptEventFileError
from spikeslim.events.cache import default_cache_dir
from spikeslim.events.simulator import SimulatorParams
from spikeslim.events.types import SensorSize, make_events

SENSOR = SensorSize(8, 8, 2)


def streams(n=3):
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        k = 5 * i  # sample 0 is empty
        out.append((make_events(rng.integers(0, 8, k), rng.integers(0, 8, k), np.sort(rng.integers(0, 10**6, k)),
                                rng.integers(0, 2, k)), i % 2))
    return out


def test_pack_keeps_every_sample_and_label():
    split = pack(streams(), SENSOR)
    assert len(split) == 3 and split.labels.tolist() == [0, 1, 0]
    assert [len(split[i][0]) for i in range(3)] == [0, 5, 10]
    for (events, label), (want, want_label) in zip((split[i] for i in range(3)), streams()):
        np.testing.assert_array_equal(events, want)
        assert label == want_label
    assert split[-1][1] == 0
    with pytest.raises(IndexError):
        split[3]


def test_cached_split_generates_once(tmp_path):
    calls = []

    def generate():
        calls.append(1)
        return iter(streams())

    path = tmp_path / "x.npz"
    first = cached_split(path, generate, 3, SENSOR, "x")
    again = cached_split(path, generate, 3, SENSOR, "x")
    assert len(calls) == 1 and path.exists()
    np.testing.assert_array_equal(again[2][0], first[2][0])
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_corrupt_cache_file_is_named(tmp_path):
    path = tmp_path / "bad.npz"
    path.write_bytes(b"not a zip")
    with pytest.raises(CorruptEventFileError, match="bad.npz"):
        cached_split(path, lambda: iter(streams()), 3, SENSOR, "x")


def test_cache_key_follows_parameters():
    assert cache_key(1, SimulatorParams()) == cache_key(1, SimulatorParams())
    assert cache_key(1, SimulatorParams()) != cache_key(1, SimulatorParams(threshold=0.2))
    assert cache_key(1, SimulatorParams()) != cache_key(2, SimulatorParams())


def test_the_suite_caches_in_its_own_folder_never_the_users(private_cache):
    assert cache_root() == private_cache and default_cache_dir() == private_cache
