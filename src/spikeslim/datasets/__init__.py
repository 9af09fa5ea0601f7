"""Event datasets behind one registry: real ones read from a local folder, embedded ones generated."""

from spikeslim.datasets.base import DatasetSpec, EventSplit, FrameSet, FrameSpec
from spikeslim.datasets.loading import load_frames
from spikeslim.datasets.registry import get_spec, names, open_split

__all__ = ["DatasetSpec", "EventSplit", "FrameSet", "FrameSpec", "get_spec", "load_frames", "names", "open_split"]
