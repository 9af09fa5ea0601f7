"""The event-camera simulator and the N-MNIST saccade motion."""

import numpy as np
import pytest

from spikeslim.errors import InvalidConfigError
from spikeslim.events.saccades import SaccadeParams, render_translations, saccade_events, saccade_path
from spikeslim.events.simulator import SimulatorParams, simulate_video, simulate_videos
from spikeslim.events.types import SensorSize, validate_events

QUIET = SimulatorParams(threshold_sigma=0.0, noise_rate_hz=0.0, refractory_us=0)


def blob_video(k: int = 20, size: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """A disc that brightens then fades again: both polarities at the same pixels."""
    ys, xs = np.mgrid[:size, :size]
    disc = ((xs - size / 2) ** 2 + (ys - size / 2) ** 2 < (size / 4) ** 2).astype(float)
    level = np.sin(np.linspace(0, np.pi, k)) * 0.8
    frames = 0.1 + level[:, None, None] * disc
    return frames, np.arange(k, dtype=np.int64) * 5_000


def digit_like(size: int = 20) -> np.ndarray:
    image = np.zeros((size, size))
    image[4:16, 8:12] = 1.0
    image[4:7, 4:16] = 0.7
    return image


def test_same_seed_same_events_other_seed_differs():
    frames, times = blob_video()
    params = SimulatorParams(noise_rate_hz=5.0)
    a = simulate_video(frames, times, params, 3)
    b = simulate_video(frames, times, params, 3)
    c = simulate_video(frames, times, params, 4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_both_polarities_where_intensity_rises_then_falls():
    frames, times = blob_video()
    events = simulate_video(frames, times, QUIET, 0)
    on, off = events[events["p"] == 1], events[events["p"] == 0]
    assert len(on) > 0 and len(off) > 0
    assert on["t"].mean() < off["t"].mean()  # brightening comes first


def test_multiple_crossings_fire_at_interpolated_times():
    # One pixel's log-intensity rises by exactly 3.5 thresholds over 1,000 us: three ON events at
    # 1/3.5, 2/3.5 and 3/3.5 of the interval.
    params = SimulatorParams(threshold=0.2, threshold_sigma=0.0, noise_rate_hz=0.0, refractory_us=0)
    i0 = 0.5
    i1 = (i0 + params.log_eps) * np.exp(3.5 * params.threshold) - params.log_eps
    frames = np.array([[[i0]], [[i1]]])
    events = simulate_video(frames, np.array([0, 1_000]), params, 0)
    assert list(events["p"]) == [1, 1, 1]
    np.testing.assert_allclose(events["t"], np.floor(np.arange(1, 4) / 3.5 * 1_000), atol=1)


def test_refractory_period_holds_per_pixel_and_drops_events():
    frames, times = blob_video(k=4)  # big steps: several crossings within one 5 ms interval
    free = simulate_video(frames, times, SimulatorParams(threshold_sigma=0.0, noise_rate_hz=0.0, refractory_us=0), 0)
    params = SimulatorParams(threshold_sigma=0.0, noise_rate_hz=0.0, refractory_us=2_000)
    events = simulate_video(frames, times, params, 0)
    assert 0 < len(events) < len(free)
    pixel = events["y"] * 16 + events["x"]
    order = np.lexsort((events["t"], pixel))
    same = pixel[order][1:] == pixel[order][:-1]
    assert np.all(np.diff(events["t"][order])[same] >= params.refractory_us)


def test_static_scene_without_noise_is_silent():
    frames = np.repeat(digit_like()[None], 10, axis=0)
    events = simulate_video(frames, np.arange(10) * 1_000, SimulatorParams(noise_rate_hz=0.0), 0)
    assert len(events) == 0


def test_noise_events_come_at_the_configured_rate():
    rate, n_pix, seconds = 5.0, 32 * 32, 1.0
    frames = np.full((2, 32, 32), 0.5)
    events = simulate_video(frames, np.array([0, 1_000_000]), SimulatorParams(noise_rate_hz=rate), 0)
    expected = rate * n_pix * seconds  # 5,120; Poisson sd ~ 72
    assert abs(len(events) - expected) < 0.05 * expected
    assert 0.4 < events["p"].mean() < 0.6


def test_batched_videos_equal_single_videos():
    frames, times = blob_video()
    params = SimulatorParams(noise_rate_hz=10.0)
    pair = np.stack([frames, frames[:, ::-1]], axis=1)
    batched = simulate_videos(pair, times, params, [np.random.default_rng(s) for s in (1, 2)])
    for b, seed in enumerate((1, 2)):
        np.testing.assert_array_equal(batched[b], simulate_video(pair[:, b], times, params, seed))


def test_saccade_events_lie_inside_the_sensor_sorted_over_three_saccades():
    sensor = SensorSize(34, 34, 2)
    events = saccade_events(digit_like(), sensor, SimulatorParams(), 0)
    validate_events(events, sensor)
    assert np.all(np.diff(events["t"]) >= 0)
    assert len(events) > 500
    assert events["t"].max() <= 3 * SaccadeParams().saccade_us
    thirds = np.bincount(events["t"] * 3 // (3 * SaccadeParams().saccade_us + 1), minlength=3)
    assert np.all(thirds > 0.15 * len(events))  # each saccade contributes


def test_saccade_path_is_a_closed_triangle():
    motion = SaccadeParams(width_px=4.0, height_px=2.0)
    times, offsets = saccade_path(motion)
    assert times[0] == 0 and times[-1] == 3 * motion.saccade_us
    np.testing.assert_allclose(offsets[0], offsets[-1])
    np.testing.assert_allclose(np.ptp(offsets, axis=0), [4.0, 2.0])


def test_sub_pixel_translation_conserves_intensity_inside_the_sensor():
    image = digit_like(10)[None]
    video = render_translations(image, SensorSize(20, 20, 2), np.array([[0.0, 0.0], [0.3, -1.7], [2.5, 2.25]]))
    assert video.shape == (3, 1, 20, 20)
    np.testing.assert_allclose(video.sum(axis=(1, 2, 3)), image.sum())


@pytest.mark.parametrize("kwargs", [{"threshold": 0.0}, {"refractory_us": -1}, {"noise_rate_hz": -1.0}])
def test_bad_parameters_are_rejected(kwargs):
    with pytest.raises(InvalidConfigError, match=next(iter(kwargs))):
        SimulatorParams(**kwargs)


def test_bad_videos_are_rejected():
    frames, times = blob_video()
    with pytest.raises(InvalidConfigError, match="strictly increasing"):
        simulate_video(frames, times[::-1], QUIET, 0)
    with pytest.raises(InvalidConfigError, match="timestamps"):
        simulate_video(frames, times[:-1], QUIET, 0)
    with pytest.raises(InvalidConfigError, match=r"\[K, H, W\]"):
        simulate_video(frames[0], times, QUIET, 0)
    with pytest.raises(InvalidConfigError, match="non-negative"):
        simulate_video(-frames, times, QUIET, 0)
