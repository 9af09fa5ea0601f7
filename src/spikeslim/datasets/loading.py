"""`load_frames`: the one call every method uses to get a dataset as binned count frames."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from spikeslim.datasets.base import EventSplit, FrameSet
from spikeslim.datasets.registry import get_spec, open_split
from spikeslim.errors import InvalidConfigError
from spikeslim.events.cache import cached_frames, default_cache_dir
from spikeslim.events.frames import ToFrames, downsampled_size

BINNINGS = ("time", "count")
CACHE_FORMAT = 1  # bump when the binning code changes what a cached key means


class BinnedSplit:
    """An event split seen through a binning transform: (frames, label) pairs, binned on access."""

    def __init__(self, split: EventSplit, binner: ToFrames) -> None:
        self.split, self.binner = split, binner

    def __len__(self) -> int:
        return len(self.split)

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        events, label = self.split[index]
        return self.binner(events), label


def binner_for(name: str, T: int, binning: str, downsample: int) -> ToFrames:
    """The `ToFrames` transform for a dataset and the CLI's binning flags."""
    if binning not in BINNINGS:
        raise InvalidConfigError(f"unknown binning {binning!r}; use one of {', '.join(BINNINGS)}")
    bins = {"n_time_bins": T} if binning == "time" else {"n_event_bins": T}
    return ToFrames(tuple(get_spec(name).sensor_size), downsample=downsample, **bins)


def load_frames(
    name: str,
    split: str,
    *,
    T: int | None = None,
    binning: str = "time",
    downsample: int = 1,
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> FrameSet:
    """Frames [N, T, 2, H, W] uint16 (memory-mapped from the cache) and labels of one split.

    `binning="time"` gives T equal time windows, `"count"` T equal runs of events (tonic's
    `n_time_bins` / `n_event_bins`); `downsample` divides x and y. The first call bins every
    recording with a progress bar; later calls with the same settings only map the cache.
    """
    spec = get_spec(name)
    T = spec.default_T if T is None else T
    binner = binner_for(name, T, binning, downsample)
    out = downsampled_size(spec.sensor_size, downsample)
    # The source folder is part of the key: nmnist-small and the full N-MNIST must not collide.
    source = None if spec.embedded or data_dir is None else str(Path(data_dir).resolve())
    key = {"dataset": name, "split": split, "T": T, "binning": binning, "downsample": downsample,
           "format": CACHE_FORMAT, "source": source}
    frames, labels = cached_frames(
        cache_dir if cache_dir is not None else default_cache_dir(), key,
        (T, out.polarities, out.height, out.width),
        lambda: BinnedSplit(open_split(name, split, data_dir), binner), progress=progress,
    )
    meta = {"dataset": name, "split": split, "T": T, "binning": binning, "downsample": downsample,
            "sensor_size": list(out), "class_names": list(spec.class_names)}
    return FrameSet(frames, labels, spec.n_classes, meta)
