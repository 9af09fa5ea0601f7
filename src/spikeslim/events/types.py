"""The event record shared by every part of spikeslim: tonic's structured array (x, y, t, p)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from spikeslim.errors import InvalidEventsError

#: tonic's own field layout, so arrays pass unchanged into tonic transforms.
EVENT_DTYPE = np.dtype([("x", np.int64), ("y", np.int64), ("t", np.int64), ("p", np.int64)])


class SensorSize(NamedTuple):
    """Sensor geometry in tonic's order: width, height, polarities."""

    width: int
    height: int
    polarities: int = 2


def make_events(x, y, t, p) -> np.ndarray:
    """Build an event array from four equally long sequences (t in microseconds)."""
    x, y, t, p = (np.asarray(a) for a in (x, y, t, p))
    if not (len(x) == len(y) == len(t) == len(p)):
        raise InvalidEventsError(
            f"x, y, t, p must have equal lengths, got {len(x)}, {len(y)}, {len(t)}, {len(p)}"
        )
    ev = np.empty(len(x), dtype=EVENT_DTYPE)
    ev["x"], ev["y"], ev["t"], ev["p"] = x, y, t, p
    return ev


def validate_events(events: np.ndarray, sensor_size: SensorSize, source: str = "events") -> None:
    """Raise InvalidEventsError naming `source` if events lack fields or leave the sensor."""
    names = getattr(events.dtype, "names", None) or ()
    missing = [f for f in "xytp" if f not in names]
    if missing:
        raise InvalidEventsError(f"{source}: event array lacks fields {missing}; has {list(names)}")
    if len(events) == 0:
        return
    w, h, n_pol = sensor_size
    for field, limit in (("x", w), ("y", h), ("p", n_pol)):
        lo, hi = int(events[field].min()), int(events[field].max())
        if lo < 0 or hi >= limit:
            raise InvalidEventsError(
                f"{source}: {field} ranges over [{lo}, {hi}] but the sensor allows [0, {limit - 1}]"
                f" (sensor size {tuple(sensor_size)})"
            )
