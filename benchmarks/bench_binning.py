"""Binning speed: spikeslim `to_frames` against tonic's `ToFrame`, side by side in one run.

Cases: real N-MNIST recordings (34x34) and DVS128-Gesture-sized synthetic streams (128x128, with and
without the 128 -> 32 down-sampling), each binned by time and by event count. Before timing, every
recording is binned by both and the frames are checked to be identical. Timing interleaves the two
(tonic, spikeslim, spikeslim, tonic, ...) over several rounds on a shared, noisy machine and reports
the median per-recording time of each and their ratio.

    .venv/bin/python benchmarks/bench_binning.py [--quick] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import tonic
import tonic.transforms as tt

from spikeslim.bench.data import nmnist_small_dir
from spikeslim.events import SensorSize, ToFrames, downsampled_size, make_events
from spikeslim.events.readers import read_nmnist_bin
from spikeslim.progress import ProgressBar, progress_bar
from spikeslim.report import write_report

REPO = Path(__file__).resolve().parents[1]
GESTURE_SENSOR = SensorSize(128, 128, 2)


@dataclass(frozen=True)
class Case:
    """One row: a set of recordings binned one way by both implementations."""

    data: str
    sensor: SensorSize
    binning: str  # "time" or "count"
    T: int
    downsample: int


def gesture_like(n_recordings: int, n_events: int, seed: int = 0) -> list[np.ndarray]:
    """Uniform random streams with the size of a DVS128 Gesture recording (128x128, ~6 s); the real
    dataset is not on this machine, and binning time depends on the event count, not on content."""
    rng = np.random.default_rng(seed)
    return [make_events(rng.integers(0, 128, n_events), rng.integers(0, 128, n_events),
                        np.sort(rng.integers(0, 6_000_000, n_events)), rng.integers(0, 2, n_events))
            for _ in range(n_recordings)]


def tonic_binner(case: Case) -> Callable[[np.ndarray], np.ndarray]:
    """tonic's pipeline for the case: Downsample (if any) then ToFrame on the smaller sensor."""
    kw = {"n_time_bins": case.T} if case.binning == "time" else {"n_event_bins": case.T}
    to_frame = tt.ToFrame(sensor_size=tuple(downsampled_size(case.sensor, case.downsample)), **kw)
    if case.downsample == 1:
        return to_frame
    shrink = tt.Downsample(spatial_factor=1 / case.downsample)
    return lambda events: to_frame(shrink(events))


def ours_binner(case: Case) -> Callable[[np.ndarray], np.ndarray]:
    kw = {"n_time_bins": case.T} if case.binning == "time" else {"n_event_bins": case.T}
    return ToFrames(tuple(case.sensor), downsample=case.downsample, **kw)


def ms_per_recording(binner: Callable[[np.ndarray], np.ndarray], recordings: list[np.ndarray]) -> tuple[float, float]:
    """(CPU, wall) milliseconds per recording. CPU time is the headline: on a machine shared with
    other jobs, wall time also counts the moments this process waits for a core."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    for events in recordings:
        binner(events)
    n = len(recordings)
    return (time.process_time() - cpu) / n * 1e3, (time.perf_counter() - wall) / n * 1e3


def measure(case: Case, recordings: list[np.ndarray], rounds: int, bar: ProgressBar) -> dict:
    """Check both give identical frames on every recording, then time them interleaved."""
    variants = {"tonic": tonic_binner(case), "spikeslim": ours_binner(case)}
    for events in recordings:
        ref, ours = variants["tonic"](events), variants["spikeslim"](events)
        if ref.shape != ours.shape or not np.array_equal(ref, ours):
            raise AssertionError(f"{case}: frames differ from tonic's")
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    wall: dict[str, list[float]] = {name: [] for name in variants}
    for r in range(rounds):
        order = list(variants) if r % 2 == 0 else list(variants)[::-1]  # A B, B A, ... cancels drift
        for name in order:
            c, w = ms_per_recording(variants[name], recordings)
            cpu[name].append(c)
            wall[name].append(w)
        bar.update(1)
    tonic_ms, ours_ms = statistics.median(cpu["tonic"]), statistics.median(cpu["spikeslim"])
    ratios = [a / b for a, b in zip(cpu["tonic"], cpu["spikeslim"])]
    wall_ratio = statistics.median(wall["tonic"]) / statistics.median(wall["spikeslim"])
    return {
        "data": case.data, "sensor": "x".join(map(str, case.sensor)),
        "frames": "x".join(map(str, downsampled_size(case.sensor, case.downsample)[1::-1])),
        "binning": case.binning, "T": case.T, "downsample": case.downsample,
        "recordings": len(recordings), "events_per_recording": int(np.mean([len(e) for e in recordings])),
        "identical": "yes", "tonic_ms": round(tonic_ms, 3), "spikeslim_ms": round(ours_ms, 3),
        "speedup": round(tonic_ms / ours_ms, 1),
        "speedup_range": f"{min(ratios):.1f}-{max(ratios):.1f}", "wall_speedup": round(wall_ratio, 1),
        "rounds": rounds,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small smoke run (seconds)")
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results"), help="results folder")
    ap.add_argument("--data-dir", default=None, help="N-MNIST folder with Train/ (default: the shared subset)")
    ap.add_argument("--rounds", type=int, default=None, help="timing rounds per case (default 15, quick 3)")
    args = ap.parse_args()
    rounds = args.rounds or (3 if args.quick else 15)

    datasets: list[tuple[str, SensorSize, list[np.ndarray]]] = []
    folder = nmnist_small_dir(args.data_dir)
    if folder is None:
        print("N-MNIST subset not found (give --data-dir or SPIKESLIM_NMNIST_SMALL); skipping its cases")
    else:
        files = sorted(folder.glob("Train/*/*.bin"))[: 30 if args.quick else 300]
        datasets.append(("N-MNIST (real)", SensorSize(34, 34, 2), [read_nmnist_bin(f) for f in files]))
    gesture = gesture_like(2, 100_000) if args.quick else gesture_like(8, 300_000)
    datasets.append(("DVS128-Gesture-sized (synthetic)", GESTURE_SENSOR, gesture))

    cases = [(Case(name, sensor, binning, T, ds), recs)
             for name, sensor, recs in datasets
             for ds in ((1,) if sensor.width < 128 else (1, 4))
             for binning, T in (("time", 10 if sensor.width < 128 else 16),
                                ("count", 10 if sensor.width < 128 else 16))]
    load = os.getloadavg()[0]
    with progress_bar(total=len(cases) * rounds, desc="binning", unit="round") as bar:
        rows = [measure(case, recs, rounds, bar) for case, recs in cases]
    for row in rows:
        print(f"{row['data']:34s} {row['binning']:5s} T={row['T']:<3d} {row['sensor']}->{row['frames']:7s}"
              f" tonic {row['tonic_ms']:8.3f} ms  spikeslim {row['spikeslim_ms']:7.3f} ms"
              f"  {row['speedup']:5.1f}x")
    notes = (
        f"Per-recording CPU time, median of {rounds} interleaved rounds (tonic and spikeslim alternate "
        "A B, B A, ...); speedup = tonic / spikeslim, range = per-round extremes; wall_speedup is the "
        "same ratio of median wall-clock times. tonic is "
        "`ToFrame(n_time_bins|n_event_bins=T)`, preceded by `Downsample(spatial_factor=1/d)` when "
        "d > 1; spikeslim is `ToFrames(...)` on the full sensor with `downsample=d`, and includes its "
        "input validation. Frames were checked identical on every recording before timing. "
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs shared with other "
        f"jobs (1-min load average {load:.1f} at start); numpy {np.__version__}, tonic {tonic.__version__}."
        + (" Quick run." if args.quick else "")
    )
    columns = ["data", "binning", "T", "sensor", "frames", "events_per_recording", "recordings",
               "tonic_ms", "spikeslim_ms", "speedup", "speedup_range", "wall_speedup", "identical"]
    name = "binning_quick" if args.quick else "binning"
    json_path, md_path = write_report(args.out, name, rows, columns,
                                      title="Event binning: spikeslim to_frames vs tonic ToFrame", notes=notes)
    print(f"wrote {json_path} and {md_path}")


if __name__ == "__main__":
    main()
