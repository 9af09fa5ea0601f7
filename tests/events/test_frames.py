import numpy as np
import pytest
import tonic.transforms as tt
from hypothesis import given, settings
from hypothesis import strategies as st

from spikeslim.errors import InvalidEventsError
from spikeslim.events import SensorSize, ToFrames, frames_to_events, make_events, to_frames

SENSOR = SensorSize(34, 30, 2)


def random_events(rng: np.random.Generator, n: int, span: int = 300_000) -> np.ndarray:
    return make_events(rng.integers(0, SENSOR.width, n), rng.integers(0, SENSOR.height, n),
                       np.sort(rng.integers(0, span, n)), rng.integers(0, 2, n))


def tonic_frames(events, sensor, downsample=1, **kwargs):
    if downsample > 1:
        events = tt.Downsample(spatial_factor=1 / downsample)(events)
        sensor = (-(-sensor[0] // downsample), -(-sensor[1] // downsample), sensor[2])
    return tt.ToFrame(sensor_size=sensor, **kwargs)(events)


@pytest.mark.parametrize("binning", ["n_time_bins", "n_event_bins"])
@pytest.mark.parametrize("overlap", [0.0, 0.3])
@pytest.mark.parametrize("downsample", [1, 2, 4])
def test_equals_tonic_on_random_events(binning, overlap, downsample):
    rng = np.random.default_rng(downsample)
    for n, T in [(1, 1), (17, 5), (2500, 10), (999, 23)]:
        ev = random_events(rng, n)
        ours = to_frames(ev, SENSOR, **{binning: T}, downsample=downsample, overlap=overlap)
        ref = tonic_frames(ev, SENSOR, downsample, **{binning: T}, overlap=overlap)
        assert ours.shape == ref.shape
        np.testing.assert_array_equal(ours, ref)


def test_transform_matches_function_and_output_is_unsigned():
    ev = random_events(np.random.default_rng(1), 500)
    frames = ToFrames(tuple(SENSOR), n_event_bins=4, downsample=2)(ev)
    assert frames.dtype == np.uint16 and frames.shape == (4, 2, 15, 17)
    np.testing.assert_array_equal(frames, to_frames(ev, SENSOR, n_event_bins=4, downsample=2))


def test_frame_sum_counts_every_binned_event():
    ev = random_events(np.random.default_rng(2), 1003)
    by_count = to_frames(ev, SENSOR, n_event_bins=10)
    assert by_count.sum() == 1000  # tonic's convention drops the n % T trailing events
    t = ev["t"]
    by_time = to_frames(ev, SENSOR, n_time_bins=7)
    end = t[0] + (t[-1] - t[0]) // 7 * 7
    assert by_time.sum() == np.count_nonzero(t < end)  # tonic never counts the last timestamp
    fixed = to_frames(ev, SENSOR, n_time_bins=7, duration_us=300_000)
    assert fixed.sum() == len(ev)


def test_streams_longer_than_one_chunk_are_binned_and_checked_whole():
    rng = np.random.default_rng(4)
    ev = random_events(rng, 150_000)  # the cell index is built in chunks of 65536 events
    for kw in ({"n_time_bins": 7}, {"n_event_bins": 7}):
        np.testing.assert_array_equal(to_frames(ev, SENSOR, **kw, downsample=3), tonic_frames(ev, SENSOR, 3, **kw))
    ev["y"][140_000] = -1
    with pytest.raises(InvalidEventsError, match=r"y ranges over \[-1"):
        to_frames(ev, SENSOR, n_event_bins=7)


def test_large_counts_promote_instead_of_wrapping():
    n = 70_000
    ev = make_events(np.zeros(n, int), np.zeros(n, int), np.arange(n), np.zeros(n, int))
    frames = to_frames(ev, SENSOR, n_event_bins=1)
    assert frames.dtype == np.uint32 and frames[0, 0, 0, 0] == n


def test_empty_stream_gives_empty_frames():
    frames = to_frames(np.empty(0, dtype=make_events([], [], [], []).dtype), SENSOR, n_time_bins=3)
    assert frames.shape == (3, 2, 30, 34) and frames.sum() == 0


@given(st.lists(st.integers(0, 6), min_size=4 * 2 * 3 * 5, max_size=4 * 2 * 3 * 5),
       st.integers(4, 10_000))
@settings(max_examples=50, deadline=None)
def test_frames_to_events_is_an_exact_inverse(counts, duration):
    frames = np.array(counts, dtype=np.uint16).reshape(4, 2, 3, 5)
    ev = frames_to_events(frames, duration)
    assert len(ev) == frames.sum()
    assert np.all(np.diff(ev["t"]) >= 0) and (len(ev) == 0 or ev["t"].max() < duration)
    np.testing.assert_array_equal(to_frames(ev, (5, 3, 2), n_time_bins=4, duration_us=duration), frames)


def test_bad_input_is_named():
    ev = random_events(np.random.default_rng(3), 50)
    ev["x"][7] = SENSOR.width
    with pytest.raises(InvalidEventsError, match="x ranges"):
        to_frames(ev, SENSOR, n_time_bins=2)
    shuffled = random_events(np.random.default_rng(3), 50)[::-1]
    with pytest.raises(InvalidEventsError, match="sorted"):
        to_frames(shuffled, SENSOR, n_time_bins=2)
    with pytest.raises(ValueError, match="exactly one"):
        to_frames(ev, SENSOR)
    with pytest.raises(InvalidEventsError, match="non-negative"):
        frames_to_events(-np.ones((2, 2, 2, 2), dtype=np.int8), 100)


@pytest.mark.parametrize("binning", ["n_time_bins", "n_event_bins"])
def test_equals_tonic_on_real_recordings(nmnist_small_dir, binning):
    from spikeslim.events.readers import read_nmnist_bin

    for path in sorted(nmnist_small_dir.glob("Test/*/*.bin"))[::10]:
        ev = read_nmnist_bin(path)
        for downsample in (1, 2):
            ours = to_frames(ev, (34, 34, 2), **{binning: 10}, downsample=downsample)
            np.testing.assert_array_equal(ours, tonic_frames(ev, (34, 34, 2), downsample, **{binning: 10}))
