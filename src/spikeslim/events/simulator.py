"""An event-camera simulator: a per-pixel log-intensity change detector fed with a rendered video.

Why: the embedded datasets need event streams with the statistics of a real DVS sensor (a contrast
threshold with per-pixel mismatch, a refractory period, background activity) without downloading
anything. The model is the usual one (as in ESIM and v2e): each pixel keeps a reference
log-intensity and emits one event each time its log-intensity moves a threshold away from it, the
reference then stepping by one threshold. Event times are interpolated linearly between video
samples, so a modest frame rate gives sub-frame timing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from spikeslim.errors import InvalidConfigError
from spikeslim.events.types import make_events

#: Bump when the simulator's output for given parameters changes; cached datasets key on it.
SIMULATOR_VERSION = 1

#: Per-pixel thresholds are clipped from below so that mismatch never yields a zero threshold.
_MIN_THRESHOLD = 0.01


@dataclass(frozen=True)
class SimulatorParams:
    """Sensor physics. Thresholds are in natural-log intensity units, intensities in [0, 1]."""

    threshold: float = 0.3  # contrast per event, ON and OFF; gives N-MNIST's ~4,000 events a digit
    threshold_sigma: float = 0.03  # per-pixel std of each threshold (fixed-pattern mismatch)
    refractory_us: int = 1_000  # a pixel stays silent this long after each event
    noise_rate_hz: float = 0.2  # background-activity events per pixel per second
    log_eps: float = 0.1  # log(I + eps): keeps black pixels finite and damps dark-pixel noise

    def __post_init__(self) -> None:
        checks = {
            "threshold": self.threshold > 0,
            "threshold_sigma": self.threshold_sigma >= 0,
            "refractory_us": self.refractory_us >= 0,
            "noise_rate_hz": self.noise_rate_hz >= 0,
            "log_eps": self.log_eps > 0,
        }
        for name, ok in checks.items():
            if not ok:
                raise InvalidConfigError(f"SimulatorParams.{name} = {getattr(self, name)!r} is out of range")


def simulate_video(
    frames: np.ndarray,
    timestamps_us: np.ndarray,
    params: SimulatorParams,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Events (tonic dtype, sorted by t) of a video `frames [K, H, W]` of intensities in [0, 1]."""
    frames = np.asarray(frames, dtype=np.float64)
    if frames.ndim != 3:
        raise InvalidConfigError(f"frames must be [K, H, W] intensities, got shape {frames.shape}")
    return simulate_videos(frames[:, None], timestamps_us, params, [np.random.default_rng(rng)])[0]


def simulate_videos(
    frames: np.ndarray,
    timestamps_us: np.ndarray,
    params: SimulatorParams,
    rngs: Sequence[np.random.Generator],
) -> list[np.ndarray]:
    """Simulate B videos `frames [K, B, H, W]` sharing timestamps, one generator per video.

    Video b's events depend only on its frames and `rngs[b]`, so batching (done for speed: each
    numpy call then covers B * H * W pixels) never changes a sample.
    """
    frames = np.asarray(frames, dtype=np.float64)
    times = np.asarray(timestamps_us, dtype=np.int64)
    _check_video(frames, times, len(rngs))
    K, B, H, W = frames.shape
    n_pix = H * W
    log = np.log(frames.reshape(K, B * n_pix).astype(np.float32) + np.float32(params.log_eps))
    thr_on, thr_off = (np.concatenate(t) for t in zip(*(_thresholds(params, r, n_pix) for r in rngs)))

    pixels, stamps, polarity = [], [], []
    ref = log[0].copy()
    for k in range(1, K):
        for pol, sign, thr in ((1, 1.0, thr_on), (0, -1.0, thr_off)):
            pix, t = _crossings(log[k - 1], log[k], ref, sign, thr, times[k - 1], times[k])
            pixels.append(pix)
            stamps.append(t)
            polarity.append(np.full(len(pix), pol, dtype=np.int64))
    for b, rng in enumerate(rngs):
        pix, t, pol = _noise(params, rng, n_pix, times[0], times[-1])
        pixels.append(pix + b * n_pix)
        stamps.append(t)
        polarity.append(pol)

    pix, t, pol = (np.concatenate(a) for a in (pixels, stamps, polarity))
    span = int(times[-1] - times[0]) + 1
    order = np.argsort(pix * span + (t - times[0]), kind="stable")  # by pixel, then time
    pix, t, pol = pix[order], t[order], pol[order]
    keep = _refractory_keep(pix, t, params.refractory_us, B * n_pix)
    pix, t, pol = pix[keep], t[keep], pol[keep]
    sample, local = np.divmod(pix, n_pix)
    order = np.argsort((sample * span + (t - times[0])) * n_pix + local, kind="stable")
    sample, local, t, pol = sample[order], local[order], t[order], pol[order]
    bounds = np.searchsorted(sample, np.arange(B + 1))
    return [
        make_events(local[a:b] % W, local[a:b] // W, t[a:b], pol[a:b])
        for a, b in zip(bounds[:-1], bounds[1:])
    ]


def _check_video(frames: np.ndarray, times: np.ndarray, n_rngs: int) -> None:
    if frames.ndim != 4:
        raise InvalidConfigError(f"frames must be [K, B, H, W] intensities, got shape {frames.shape}")
    if frames.shape[1] != n_rngs:
        raise InvalidConfigError(f"{frames.shape[1]} videos but {n_rngs} random generators")
    if times.shape != (frames.shape[0],):
        raise InvalidConfigError(f"{frames.shape[0]} frames but timestamps of shape {times.shape}")
    if frames.shape[0] > 1 and np.any(np.diff(times) <= 0):
        raise InvalidConfigError("timestamps_us must be strictly increasing")
    if not np.all(np.isfinite(frames)) or frames.min(initial=0.0) < 0:
        raise InvalidConfigError("frame intensities must be finite and non-negative")


def _thresholds(params: SimulatorParams, rng: np.random.Generator, n_pix: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel ON and OFF thresholds: the nominal value plus independent Gaussian mismatch."""
    draw = params.threshold + params.threshold_sigma * rng.standard_normal((2, n_pix))
    on, off = np.maximum(draw, _MIN_THRESHOLD)
    return on, off


def _crossings(
    prev: np.ndarray, cur: np.ndarray, ref: np.ndarray, sign: float, thr: np.ndarray, t0: int, t1: int
) -> tuple[np.ndarray, np.ndarray]:
    """Threshold crossings of one polarity between two samples; advances `ref` in place.

    A change of n thresholds fires n events, at the times the linearly interpolated log-intensity
    passes ref + j * thr (j = 1..n). `prev` lies within one threshold of `ref`, so every crossing
    falls inside (t0, t1].
    """
    n = np.floor(sign * (cur - ref) / thr)
    idx = np.flatnonzero(n > 0)
    counts = n[idx].astype(np.int64)
    pix = np.repeat(idx, counts)
    j = np.arange(len(pix)) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    level = ref[pix] + sign * j * thr[pix]
    frac = np.clip((level - prev[pix]) / (cur[pix] - prev[pix]), 0.0, 1.0)
    ref[idx] += sign * counts * thr[idx]
    return pix, t0 + np.floor(frac * (t1 - t0)).astype(np.int64)


def _noise(
    params: SimulatorParams, rng: np.random.Generator, n_pix: int, t0: int, t1: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Background activity: a Poisson process per pixel, uniform in time, either polarity."""
    n = rng.poisson(params.noise_rate_hz * n_pix * (t1 - t0) * 1e-6)
    pix = rng.integers(0, n_pix, n)
    t = rng.integers(t0, t1 + 1, n)
    pol = rng.integers(0, 2, n)
    return pix.astype(np.int64), t.astype(np.int64), pol.astype(np.int64)


def _refractory_keep(pix: np.ndarray, t: np.ndarray, refractory_us: int, n_pix: int) -> np.ndarray:
    """Mask of the events a pixel can fire: at least `refractory_us` after its last fired event.

    Events must be sorted by (pixel, t). The rule is sequential per pixel, so it runs over an
    event's rank within its pixel (a few dozen steps), each step vectorised over all pixels.
    """
    n = len(pix)
    keep = np.ones(n, dtype=bool)
    if refractory_us <= 0 or n == 0:
        return keep
    first = np.r_[True, pix[1:] != pix[:-1]]
    rank = np.arange(n) - np.maximum.accumulate(np.where(first, np.arange(n), 0))
    by_rank = np.argsort(rank, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(rank))]
    last = np.full(n_pix, np.iinfo(np.int64).min // 2, dtype=np.int64)
    for a, b in zip(bounds[:-1], bounds[1:]):
        idx = by_rank[a:b]
        p = pix[idx]
        fire = t[idx] - last[p] >= refractory_us
        keep[idx] = fire
        last[p[fire]] = t[idx[fire]]
    return keep
