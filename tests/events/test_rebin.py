import numpy as np
import pytest
import tonic
from hypothesis import given, settings
from hypothesis import strategies as st

from spikeslim.errors import InvalidConfigError
from spikeslim.events.rebin import Rebin, group_index, rebin_frames
from spikeslim.events.types import make_events


@settings(max_examples=40, deadline=None)
@given(n_fine=st.integers(1, 24), data=st.data())
def test_counts_conserved_per_pixel_for_any_T(n_fine, data):
    n_coarse = data.draw(st.integers(1, n_fine))
    rng = np.random.default_rng(n_fine * 31 + n_coarse)
    frames = rng.integers(0, 5, size=(3, n_fine, 2, 4, 5), dtype=np.uint8)
    coarse = rebin_frames(frames, n_coarse)
    assert coarse.shape == (3, n_coarse, 2, 4, 5)
    np.testing.assert_array_equal(coarse.sum(axis=1), frames.sum(axis=1, dtype=np.int64))


@pytest.mark.parametrize("n_fine,n_coarse", [(10, 3), (16, 5), (7, 2), (9, 9)])
def test_uneven_groups_are_consecutive_and_differ_by_at_most_one(n_fine, n_coarse):
    idx = group_index(n_fine, n_coarse)
    assert np.all(np.diff(idx) >= 0) and idx[0] == 0 and idx[-1] == n_coarse - 1
    sizes = np.bincount(idx, minlength=n_coarse)
    assert sizes.min() >= 1 and sizes.max() - sizes.min() <= 1


def test_divisible_T_sums_equal_groups():
    frames = np.arange(2 * 8 * 2 * 1 * 1).reshape(2, 8, 2, 1, 1)
    expected = frames.reshape(2, 4, 2, 2, 1, 1).sum(axis=2)
    np.testing.assert_array_equal(rebin_frames(frames, 4), expected)


def test_equals_binning_the_event_stream_coarser_when_T_divides_F():
    rng = np.random.default_rng(0)
    n, duration = 3000, 16 * 1000
    t = np.sort(rng.integers(0, duration, n))
    t[0], t[-1] = 0, duration  # a duration divisible by F makes tonic's windows exact
    events = make_events(rng.integers(0, 6, n), rng.integers(0, 5, n), t, rng.integers(0, 2, n))
    sensor = (6, 5, 2)
    fine = tonic.transforms.ToFrame(sensor, n_time_bins=16)(events)
    for n_coarse in (1, 2, 4, 8):
        coarse = tonic.transforms.ToFrame(sensor, n_time_bins=n_coarse)(events)
        np.testing.assert_array_equal(Rebin(n_coarse)(fine), coarse)


def test_narrow_dtype_does_not_wrap():
    frames = np.full((1, 4, 2, 1, 1), 200, dtype=np.uint8)
    assert rebin_frames(frames, 1).max() == 800


@pytest.mark.parametrize("n_coarse", [0, -1, 7])
def test_impossible_T_is_refused(n_coarse):
    with pytest.raises(InvalidConfigError, match="rebin 6 frames"):
        rebin_frames(np.zeros((1, 6, 2, 1, 1)), n_coarse)
