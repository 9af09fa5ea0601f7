"""Memory held for backward against T: full BPTT vs SLTT vs online SLTT, through `fit` itself.

Each cell trains `convnet` (instance norm; online SLTT needs no batch norm) for one epoch on
random count frames of T steps with `TrainConfig(bptt=..., loss="tet")` and records the peak of
bytes autograd holds for backward (`snn.memory`); speed is bench_engine's business (a first
call here also compiles the neuron kernels). Full BPTT and SLTT hold every
step's graph (SLTT only drops the gradient along the membrane), so they grow with T; online SLTT
holds one step's graph, so it should stay flat. Cells: `sltt_memory_cells.json`; table
`sltt_memory.md`; plot `sltt_memory.png`.

    .venv/bin/python benchmarks/bench_sltt_memory.py [--T 4 8 16 32] [--width 32] [--batch 16]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import torch

from spikeslim.bench.cells import CellStore, run_cells
from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.report import plot_xy, write_report
from spikeslim.snn.memory import track_saved_tensors
from spikeslim.snn.models import ModelSpec
from spikeslim.train import TrainConfig
from spikeslim.train.loop import fit

REPO = Path(__file__).resolve().parents[1]
MODES = ("full", "sltt", "online")


def run(key: dict[str, Any]) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    n = 2 * key["batch"]
    frames = rng.poisson(0.2, size=(n, key["T"], 2, 34, 34)).astype(np.uint8)
    data = FrameSet(frames, np.arange(n) % 10, 10, FrameSpec("random", key["T"]))
    model = ModelSpec("convnet", {"width": key["width"], "depth": 3}).build((2, 34, 34), 10, seed=0)
    config = TrainConfig(epochs=1, batch_size=key["batch"], loss="tet", bptt=key["mode"], seed=0)
    with track_saved_tensors() as meter:
        fit(model, data, config, device="cpu", progress=False)
    return {"saved_MB": meter.peak_bytes / 2**20}


def report(store: CellStore, out: Path) -> None:
    cells = sorted(store.select(), key=lambda c: (MODES.index(c["key"]["mode"]), c["key"]["T"]))
    rows = [{"bptt": c["key"]["mode"], "T": c["key"]["T"], "saved for backward (MB)": round(c["saved_MB"], 1)}
            for c in cells]
    first = cells[0]["key"] if cells else {}
    write_report(out, "sltt_memory", rows, title="Memory held for backward against T (TrainConfig.bptt)",
                 notes=f"convnet width {first.get('width')}, depth 3, instance norm, 34x34, batch {first.get('batch')}, "
                       "TET loss, one epoch of two batches through `fit`; CPU.")
    series = {}
    for mode in MODES:
        pts = [(c["key"]["T"], c["saved_MB"]) for c in cells if c["key"]["mode"] == mode]
        if pts:
            series[f"bptt={mode}"] = ([p[0] for p in pts], [p[1] for p in pts], None)
    if series:
        plot_xy(out / "sltt_memory.png", series, xlabel="T (time steps)", ylabel="MB held for backward (peak)",
                title="Training memory against T")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--T", nargs="+", type=int, default=[4, 8, 16, 32])
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    store = CellStore(out / "sltt_memory_cells.json")
    todo = [{"mode": m, "T": T, "width": args.width, "batch": args.batch} for m in MODES for T in args.T]
    run_cells(store, todo, run, desc="sltt memory cells", after=lambda: report(store, out))
    report(store, out)
    print((out / "sltt_memory.md").read_text())


if __name__ == "__main__":
    main()
