"""Binning event streams into count frames [T, P, H, W], vectorised, equal to tonic's ToFrame.

The two conventions of the field are both tonic's: `n_time_bins` splits the recording's time span
(first to last timestamp) into T equal windows, `n_event_bins` splits its events into T equal runs.
tonic copies each slice and scatters it with `np.add.at`, one event at a time; here each event's
(polarity, y, x) cell is computed once, in cache-sized chunks, and each bin is counted by
`np.bincount` over a view of those cells, which is where the speed comes from.
Slice boundaries are computed with tonic's own arithmetic so the result matches it bit for bit,
including its quirks: time bins never count the events at the last timestamp and event bins drop
the `n % T` trailing events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spikeslim.errors import InvalidConfigError, InvalidEventsError
from spikeslim.events.types import EVENT_DTYPE, SensorSize, validate_events

_UINT16_MAX = int(np.iinfo(np.uint16).max)
_CHUNK = 1 << 16  # events per pass of _checked_cell_index: 2 MiB of records, cache-sized


def downsampled_size(sensor_size: SensorSize | tuple[int, int, int], factor: int) -> SensorSize:
    """Sensor size after integer spatial down-sampling (x // factor, y // factor)."""
    w, h, p = sensor_size
    return SensorSize(-(-w // factor), -(-h // factor), p)


def to_frames(
    events: np.ndarray,
    sensor_size: SensorSize | tuple[int, int, int],
    *,
    n_time_bins: int | None = None,
    n_event_bins: int | None = None,
    downsample: int = 1,
    overlap: float = 0.0,
    duration_us: int | None = None,
) -> np.ndarray:
    """Count events per (bin, polarity, y, x): unsigned integer frames [T, P, H', W'].

    Equals `tonic.transforms.ToFrame(sensor_size, n_time_bins=T | n_event_bins=T, overlap=...)`,
    after `tonic.transforms.Downsample(spatial_factor=1 / downsample)` when `downsample > 1`.
    `duration_us` (time bins only) replaces tonic's data-dependent span with the fixed window
    [0, duration_us), split at integer edges `k * duration_us // T`; every event inside it is
    counted, which makes `frames_to_events` an exact inverse. Counts are uint16, or uint32 if a
    count exceeds 65535 (never wrapped or clipped).
    """
    T = _check_args(n_time_bins, n_event_bins, downsample, overlap, duration_us)
    sensor = SensorSize(*sensor_size)
    out = downsampled_size(sensor, downsample)
    n_cells = out.polarities * out.height * out.width
    if len(events) == 0:
        validate_events(events, sensor)
        return np.zeros((T, out.polarities, out.height, out.width), dtype=np.uint16)
    cells = _checked_cell_index(events, sensor, out, downsample)
    starts, ends = _slice_bounds(events, T, by_time=n_time_bins is not None, overlap=overlap,
                                 duration_us=duration_us)
    frames = np.empty((T, n_cells), dtype=np.uint16)
    for k, (start, end) in enumerate(zip(starts, ends)):
        counts = np.bincount(cells[start:end], minlength=n_cells)
        # Only a bin holding more than 65535 events can overflow uint16: check just those.
        if end - start > _UINT16_MAX and counts.max() > _UINT16_MAX:
            frames = frames.astype(np.uint32)
        frames[k] = counts
    return frames.reshape(T, out.polarities, out.height, out.width)


def frames_to_events(frames: np.ndarray, duration_us: int) -> np.ndarray:
    """Turn count frames [T, P, H, W] back into a time-sorted event stream spanning [0, duration_us).

    Each count becomes that many events at its pixel and polarity, spread evenly over its bin's
    window; `to_frames(ev, (W, H, P), n_time_bins=T, duration_us=duration_us)` returns `frames`.
    """
    frames = np.asarray(frames)
    if frames.ndim != 4:
        raise InvalidEventsError(f"frames must be [T, P, H, W], got shape {frames.shape}")
    if frames.dtype.kind not in "ui" or (frames.size and frames.min() < 0):
        raise InvalidEventsError(f"frames must hold non-negative integer counts, got dtype {frames.dtype}")
    T, P, H, W = frames.shape
    if duration_us < T:
        raise InvalidEventsError(f"duration_us={duration_us} is shorter than one microsecond per bin (T={T})")
    flat = frames.reshape(-1).astype(np.int64)
    cell = np.repeat(np.arange(flat.size, dtype=np.int64), flat)
    k, rest = np.divmod(cell, P * H * W)
    p, rest = np.divmod(rest, H * W)
    y, x = np.divmod(rest, W)
    edges = np.arange(T + 1, dtype=np.int64) * duration_us // T
    per_bin = flat.reshape(T, -1).sum(axis=1)
    rank = np.arange(cell.size, dtype=np.int64) - np.repeat(np.cumsum(per_bin) - per_bin, per_bin)
    width = edges[k + 1] - edges[k]
    events = np.empty(cell.size, dtype=EVENT_DTYPE)
    events["x"], events["y"], events["p"] = x, y, p
    events["t"] = edges[k] + rank * width // np.repeat(per_bin, per_bin)
    return events


@dataclass(frozen=True)
class ToFrames:
    """tonic-style transform: `ToFrames(sensor_size, n_time_bins=10)(events) -> frames`."""

    sensor_size: tuple[int, int, int]
    n_time_bins: int | None = None
    n_event_bins: int | None = None
    downsample: int = 1
    overlap: float = 0.0
    duration_us: int | None = None

    def __call__(self, events: np.ndarray) -> np.ndarray:
        return to_frames(events, self.sensor_size, n_time_bins=self.n_time_bins,
                         n_event_bins=self.n_event_bins, downsample=self.downsample,
                         overlap=self.overlap, duration_us=self.duration_us)


def _check_args(n_time_bins: int | None, n_event_bins: int | None, downsample: int,
                overlap: float, duration_us: int | None) -> int:
    if (n_time_bins is None) == (n_event_bins is None):
        raise InvalidConfigError("give exactly one of n_time_bins or n_event_bins")
    T = n_time_bins if n_time_bins is not None else n_event_bins
    if int(T) != T or T < 1:
        raise InvalidConfigError(f"number of bins must be a positive integer, got {T}")
    if int(downsample) != downsample or downsample < 1:
        raise InvalidConfigError(f"downsample must be a positive integer factor, got {downsample}")
    if not 0.0 <= overlap < 1.0:
        raise InvalidConfigError(f"overlap must lie in [0, 1), got {overlap}")
    if duration_us is not None and (n_time_bins is None or overlap != 0 or duration_us < T):
        raise InvalidConfigError(f"duration_us={duration_us} needs n_time_bins <= duration_us and overlap=0")
    return int(T)


def _slice_bounds(events: np.ndarray, T: int, *, by_time: bool, overlap: float,
                  duration_us: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Start/end event indices of each bin, computed exactly as tonic's slicers do."""
    if not by_time:
        spike_count = int(len(events) // T * (1 + overlap))
        starts = np.arange(T, dtype=np.int64) * int(spike_count * (1 - overlap))
        return starts, np.minimum(starts + spike_count, len(events))
    t = events["t"]
    if np.any(t[1:] < t[:-1]):
        raise InvalidEventsError("event timestamps must be sorted in time to bin them")
    if duration_us is not None:
        edges = np.searchsorted(t, np.arange(T + 1, dtype=np.int64) * duration_us // T)
        return edges[:-1], edges[1:]
    window = (t[-1] - t[0]) // T * (1 + overlap)
    window_starts = np.arange(T) * (window * (1 - overlap)) + t[0]
    return _search(t, window_starts), _search(t, window_starts + window)


def _search(t: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """`np.searchsorted(t, edges)` for tonic's float edges without converting all of `t` to float:
    for integer timestamps, t >= edge exactly when t >= ceil(edge)."""
    if t.dtype.kind in "iu":
        edges = np.ceil(edges).astype(t.dtype)
    return np.searchsorted(t, edges)


def _checked_cell_index(events: np.ndarray, sensor: SensorSize, out: SensorSize,
                        downsample: int) -> np.ndarray:
    """Validate the events against the sensor and give the flat (polarity, y, x) index of each on
    the (down-sampled) sensor. Working through cache-sized chunks reads each 32-byte record from
    memory once rather than once per field and check, which about halves the time on long streams."""
    index = np.empty(len(events), dtype=np.int64)
    for lo in range(0, len(events), _CHUNK):
        chunk, part = events[lo:lo + _CHUNK], index[lo:lo + _CHUNK]
        validate_events(chunk, sensor)
        np.multiply(chunk["p"], out.height, out=part)
        part += _shrink(chunk["y"], downsample)
        part *= out.width
        part += _shrink(chunk["x"], downsample)
    return index


def _shrink(coord: np.ndarray, factor: int) -> np.ndarray:
    """`coord // factor` for non-negative coordinates; a bit shift for powers of two (128 -> 32),
    several times faster than integer division."""
    shift = int(factor).bit_length() - 1
    if factor == 1 << shift:
        return coord >> shift if shift else coord
    return coord // factor
