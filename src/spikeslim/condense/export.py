"""Export a synthetic set as event streams, so pipelines that read events (not frames) can use it.

Each sample becomes `DIR/<label>/<NNNNN>.npy` (tonic's structured event array) and, when the
sensor and duration fit the N-MNIST format (x, y < 256, t < 2^23 us), `DIR/<label>/<NNNNN>.bin`
in that 5-byte format. `DIR/events.json` records how to re-bin them: time bins over the fixed
window [0, duration_us), which gives back the set's frames exactly, and the tonic call that does it,
`ToFrame(sensor_size, time_window=D/T, start_time=0, end_time=D)`. Without start_time and end_time
tonic's windows start at a sample's first event and end with the window holding its last, so a
sample whose first frame is empty comes back shifted, and one whose last event sits at the start
of the last window (its last frame empty, or holding one event) comes back a frame short;
events.json lists those samples, and the samples with no events at all, the only ones the named
call cannot give back (tonic returns one empty frame for an empty stream).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from spikeslim.datasets.base import FrameSet
from spikeslim.errors import InvalidConfigError, OutputError
from spikeslim.events.frames import frames_to_events
from spikeslim.events.readers import nmnist_fits, write_nmnist_bin
from spikeslim.events.types import SensorSize
from spikeslim.files import atomic_path, write_json
from spikeslim.progress import progress_bar

#: N-MNIST's recordings last about 300 ms (three saccades); the default span of exported samples.
DEFAULT_DURATION_US = 300_000


def tonic_rebin(sensor: SensorSize, T: int, duration_us: int) -> dict[str, Any]:
    """Keyword arguments of `tonic.transforms.ToFrame` that re-bin an exported sample to its frames."""
    return {"sensor_size": list(sensor), "time_window": duration_us / T, "start_time": 0, "end_time": duration_us}


def export_events(
    data: FrameSet, out_dir: str | os.PathLike[str], *, duration_us: int | None = None, overwrite: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Write every sample of `data` as events under `out_dir`; returns the summary it saves as events.json.

    `duration_us` defaults to the set's `meta["duration_us"]`, else 300 ms (N-MNIST's span), rounded
    up to a multiple of T so that tonic's windows of duration/T fall on whole microseconds, as the
    exporter's bin edges do; a duration given explicitly must be such a multiple. A non-empty
    `out_dir` is refused (old and new samples would mix) unless `overwrite`, which first deletes the
    files an earlier export wrote there.
    """
    T = data.T
    if duration_us is not None and duration_us % T:
        raise InvalidConfigError(f"--duration-us {duration_us} is not a multiple of T={T}: tonic's windows of "
                                 f"duration/T would not match the exported bins")
    duration = int(duration_us or data.meta.get("duration_us") or DEFAULT_DURATION_US)
    duration = -(-duration // T) * T
    _, _, n_pol, height, width = data.frames.shape
    if duration < data.T:
        raise InvalidConfigError(f"--duration-us {duration}: needs at least 1 us per time bin (T={data.T})")
    sensor = SensorSize(width, height, n_pol)
    with_bin = nmnist_fits(sensor, duration)
    out = Path(out_dir)
    _prepare(out, overwrite)
    n_events = 0
    per_bin = data.frames.reshape(len(data), T, -1).sum(axis=2)
    for i in progress_bar(range(len(data)), desc="export events", unit="sample", disable=not progress):
        events = frames_to_events(data.frames[i], duration)
        n_events += len(events)
        stem = out / str(int(data.labels[i])) / f"{i + 1:05d}"
        with atomic_path(stem.with_suffix(".npy")) as tmp:
            with open(tmp, "wb") as fh:  # a file object stops numpy appending another ".npy"
                np.save(fh, events)
        if with_bin:
            write_nmnist_bin(stem.with_suffix(".bin"), events)
    tonic_kwargs = tonic_rebin(sensor, T, duration)
    numbers = np.arange(1, len(data) + 1)  # NNNNN of each sample
    summary = {
        "n_samples": len(data),
        "n_events": n_events,
        "sensor_size": list(sensor),
        "duration_us": duration,
        "formats": ["npy", "bin"] if with_bin else ["npy"],
        "layout": "<label>/<NNNNN>.npy|.bin, NNNNN = 1-based position in the set",
        "rebin": f"to_frames(events, sensor_size, n_time_bins={T}, duration_us={duration})",
        "tonic": {
            "call": "tonic.transforms.ToFrame(" + ", ".join(f"{k}={tuple(v) if k == 'sensor_size' else v!r}"
                                                          for k, v in tonic_kwargs.items()) + ")",
            "kwargs": tonic_kwargs,
            "exact": "every sample with at least one event",
            "empty_samples": numbers[per_bin.sum(axis=1) == 0].tolist(),
            "plain_call": f"tonic.transforms.ToFrame(sensor_size={tuple(sensor)}, time_window={duration / T!r}, "
                          "include_incomplete=True)",
            "differ_under_plain_call": numbers[(per_bin[:, 0] == 0) | ((per_bin[:, -1] < 2) & (T > 1))].tolist(),
        },
        "set_meta": {**(data.spec.record() if data.spec is not None else {}), **data.meta},
    }
    write_json(out / "events.json", summary)
    return summary


def _prepare(out: Path, overwrite: bool) -> None:
    """Refuse a file or a non-empty folder at `out`; with `overwrite`, remove a previous export."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file; --out names the folder to export into")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not overwrite:
        raise OutputError(f"{out} is not empty; exporting there would mix old and new samples "
                          "(pass --overwrite to replace an earlier export, or name an empty folder)")
    for old in [out / "events.json", *out.glob("*/[0-9][0-9][0-9][0-9][0-9]*.npy"),
                *out.glob("*/[0-9][0-9][0-9][0-9][0-9]*.bin")]:
        old.unlink(missing_ok=True)
    for folder in out.iterdir():
        if folder.is_dir() and folder.name.isdigit() and not any(folder.iterdir()):
            folder.rmdir()
