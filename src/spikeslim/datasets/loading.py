"""`load_frames`: the one call every method uses to get a dataset as binned count frames."""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np

from spikeslim.datasets.base import EventSplit, FrameSet, FrameSpec
from spikeslim.datasets.folder import FileSplit
from spikeslim.datasets.registry import get_spec, open_split
from spikeslim.errors import InvalidConfigError
from spikeslim.events.cache import cached_frames, default_cache_dir
from spikeslim.events.frames import ToFrames, downsampled_size
from spikeslim.events.rebin import rebin_frames
from spikeslim.safeio import max_bytes

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


def binner_for(spec: FrameSpec) -> ToFrames:
    """The `ToFrames` transform of `spec`, once its settings fit the dataset's sensor."""
    name, T, downsample = spec.dataset, spec.T, spec.downsample
    sensor = get_spec(name).sensor_size
    if not 1 <= downsample <= min(sensor.width, sensor.height):
        raise InvalidConfigError(f"--downsample {downsample!r}: must be an integer in 1-"
                                 f"{min(sensor.width, sensor.height)} for {name}'s {sensor.width}x{sensor.height} sensor")
    out = downsampled_size(sensor, downsample)
    sample_bytes = 2 * T * out.polarities * out.height * out.width
    if sample_bytes > max_bytes():
        raise InvalidConfigError(f"--T {T}: one {name} sample would take {sample_bytes:,} bytes of frames, "
                                 f"over the {max_bytes():,}-byte limit")
    bins = {"n_time_bins": T} if spec.binning == "time" else {"n_event_bins": T}
    return ToFrames(tuple(sensor), downsample=downsample, **bins)


def load_frames(
    spec: FrameSpec,
    split: str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> FrameSet:
    """Frames [N, T, 2, H, W] uint16 (memory-mapped from the cache) and labels of one split.

    `spec.binning="time"` gives T equal time windows, `"count"` T equal runs of events (tonic's
    `n_time_bins` / `n_event_bins`); `downsample` divides x and y. The first call bins every
    recording with a progress bar; later calls with the same settings only map the cache, after
    checking (for real datasets) that the folder's files are still those the cache was built from.
    """
    name, data_dir = spec.dataset, spec.data_dir
    info = get_spec(name)
    binner = binner_for(spec)
    out = downsampled_size(info.sensor_size, spec.downsample)
    events = None if info.embedded else open_split(name, split, data_dir)
    # The source folder is part of the key: nmnist-small and the full N-MNIST must not collide.
    # (The order of the keys names the cache folders already on disk.)
    key = {"dataset": name, "split": split, "T": spec.T, "binning": spec.binning, "downsample": spec.downsample,
           "format": CACHE_FORMAT, "source": spec.source}
    frames, labels = cached_frames(
        cache_dir if cache_dir is not None else default_cache_dir(), key,
        (spec.T, out.polarities, out.height, out.width),
        lambda: BinnedSplit(events if events is not None else open_split(name, split, data_dir), binner),
        stamp=events.fingerprint() if isinstance(events, FileSplit) else None, progress=progress,
    )
    if len(labels) and (labels.min() < 0 or labels.max() >= info.n_classes):
        raise InvalidConfigError(f"{name} {split}: labels outside 0-{info.n_classes - 1}; the cache "
                                 f"{cache_dir or default_cache_dir()} is damaged, delete it")
    meta = {"split": split, "sensor_size": list(out), "class_names": list(info.class_names)}
    return FrameSet(frames, labels, info.n_classes, spec, meta)


def rebin_frameset(data: FrameSet, T: int) -> FrameSet:
    """The same samples and labels with T frames each (`events.rebin`), its spec at T;
    `meta["rebinned_from"]` says so."""
    if T == data.T:
        return data
    spec = None if data.spec is None else replace(data.spec, T=T)
    return replace(data, frames=rebin_frames(data.frames, T), spec=spec, meta={**data.meta, "rebinned_from": data.T})
