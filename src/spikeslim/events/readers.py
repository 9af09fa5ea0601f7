"""Readers of native event-file formats. Every error names the file, never a numpy traceback."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from spikeslim.errors import CorruptEventFileError, InvalidEventsError
from spikeslim.events.types import SensorSize, make_events, validate_events
from spikeslim.safeio import check_file_size

NMNIST_SENSOR = SensorSize(34, 34, 2)
_OVERFLOW_Y = 240  # an N-MNIST record with y == 240 marks a timestamp wrap, not an event
_OVERFLOW_US = 2**13  # what tonic (and the dataset's original reader) adds at each wrap
#: N-MNIST recordings are about 20 KB; decoding costs ~10x the file in memory, so far larger is refused.
NMNIST_MAX_BYTES = 64 << 20


def decode_nmnist(raw: bytes | np.ndarray, source: str = "N-MNIST data") -> np.ndarray:
    """Decode 5-byte N-MNIST records: x (8 bits), y (8 bits), polarity (top bit of byte 3) and a
    23-bit timestamp in microseconds, with tonic's handling of timestamp-wrap records."""
    data = np.frombuffer(raw, dtype=np.uint8) if isinstance(raw, (bytes, bytearray)) else raw
    if data.size == 0:
        raise CorruptEventFileError(f"{source}: empty, expected 5-byte N-MNIST event records")
    if data.size % 5:
        raise CorruptEventFileError(
            f"{source}: {data.size} bytes is not a multiple of 5, so it is not an N-MNIST event file"
            " (truncated download or wrong format?)"
        )
    rec = data.reshape(-1, 5).astype(np.int64)
    t = ((rec[:, 2] & 0x7F) << 16) | (rec[:, 3] << 8) | rec[:, 4]
    wrap = rec[:, 1] == _OVERFLOW_Y
    t = t + np.cumsum(wrap) * _OVERFLOW_US
    keep = ~wrap
    return make_events(rec[keep, 0], rec[keep, 1], t[keep], rec[keep, 2] >> 7)


def read_nmnist_bin(path: str | os.PathLike[str], sensor_size: SensorSize = NMNIST_SENSOR) -> np.ndarray:
    """Read one native N-MNIST `.bin` recording as tonic-style (x, y, t, p) events."""
    path = Path(path)
    check_file_size(path, NMNIST_MAX_BYTES, CorruptEventFileError)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise CorruptEventFileError(f"{path}: cannot be read ({err.strerror or err})") from err
    return check_stream(decode_nmnist(raw, str(path)), sensor_size, path)


def check_stream(events: np.ndarray, sensor_size: SensorSize, path: str | os.PathLike[str]) -> np.ndarray:
    """Return `events` read from `path` if they lie on the sensor and are sorted in time; else
    raise CorruptEventFileError naming the file (binning relies on both)."""
    try:
        validate_events(events, sensor_size, str(path))
    except InvalidEventsError as err:
        raise CorruptEventFileError(str(err)) from err
    if np.any(np.diff(events["t"]) < 0):
        raise CorruptEventFileError(f"{path}: timestamps go backwards, the file is corrupt")
    return events
