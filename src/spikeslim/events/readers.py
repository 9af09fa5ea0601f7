"""Native event-file formats: their readers, and N-MNIST's writer (the exporter's). Every read
error names the file, never a numpy traceback."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from spikeslim.errors import CorruptEventFileError, InvalidEventsError
from spikeslim.events.types import SensorSize, make_events, validate_events
from spikeslim.files import atomic_path
from spikeslim.safeio import check_file_size

NMNIST_SENSOR = SensorSize(34, 34, 2)
_OVERFLOW_Y = 240  # an N-MNIST record with y == 240 marks a timestamp wrap, not an event
_OVERFLOW_US = 2**13  # what tonic (and the dataset's original reader) adds at each wrap
#: N-MNIST recordings are about 20 KB; decoding costs ~10x the file in memory, so far larger is refused.
NMNIST_MAX_BYTES = 64 << 20
#: N-MNIST packs x and y in 8 bits and the timestamp in 23 bits (microseconds).
NMNIST_MAX_XY = 255
#: ... but a y of 240 reads back as a timestamp-wrap record, so rows stop below it.
NMNIST_MAX_Y = _OVERFLOW_Y - 1
NMNIST_MAX_T = 2**23 - 1


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


def nmnist_fits(sensor: SensorSize, duration_us: int) -> bool:
    """Whether streams on `sensor` spanning [0, duration_us) can be stored as N-MNIST .bin."""
    return (sensor.width - 1 <= NMNIST_MAX_XY and sensor.height - 1 <= NMNIST_MAX_Y
            and sensor.polarities <= 2 and duration_us - 1 <= NMNIST_MAX_T)


def encode_nmnist(events: np.ndarray) -> bytes:
    """Pack events into N-MNIST's 5 bytes each: x, y, then polarity (1 bit) and t (23 bits)."""
    x, y, t, p = (np.asarray(events[f], dtype=np.int64) for f in "xytp")
    if len(events) and (x.min() < 0 or y.min() < 0 or x.max() > NMNIST_MAX_XY or y.max() > NMNIST_MAX_Y
                        or t.min() < 0 or t.max() > NMNIST_MAX_T or not np.isin(p, (0, 1)).all()):
        raise InvalidEventsError(
            f"events do not fit the N-MNIST format (x in [0, {NMNIST_MAX_XY}], y in [0, {NMNIST_MAX_Y}], p in {{0, 1}}, "
            f"t in [0, {NMNIST_MAX_T}] us)"
        )
    raw = np.empty((len(events), 5), dtype=np.uint8)
    raw[:, 0], raw[:, 1] = x, y
    raw[:, 2] = (p << 7) | (t >> 16)
    raw[:, 3], raw[:, 4] = (t >> 8) & 0xFF, t & 0xFF
    return raw.tobytes()


def write_nmnist_bin(path: str | os.PathLike[str], events: np.ndarray) -> None:
    """Write `events` as an N-MNIST .bin file, atomically."""
    data = encode_nmnist(events)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
