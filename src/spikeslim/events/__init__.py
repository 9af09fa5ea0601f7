"""Event streams: the record type, readers of native formats, binning to frames, a simulator."""

from spikeslim.events.types import EVENT_DTYPE, SensorSize, make_events, validate_events

__all__ = ["EVENT_DTYPE", "SensorSize", "make_events", "validate_events"]
