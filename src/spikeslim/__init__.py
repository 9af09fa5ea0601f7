"""spikeslim: fast SNN training on event-camera data by making the data small."""

__version__ = "0.1.0"
