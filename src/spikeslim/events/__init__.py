"""Event streams: the record type, readers of native formats, binning to frames, a simulator."""

from spikeslim.events.frames import ToFrames, downsampled_size, frames_to_events, to_frames
from spikeslim.events.readers import read_nmnist_bin
from spikeslim.events.types import EVENT_DTYPE, SensorSize, make_events, validate_events

__all__ = [
    "EVENT_DTYPE",
    "SensorSize",
    "ToFrames",
    "downsampled_size",
    "frames_to_events",
    "make_events",
    "read_nmnist_bin",
    "to_frames",
    "validate_events",
]
