"""How PACE's condense time grows with IPC and with T, and what its phase terms cost.

Each cell condenses nmnist-small's fold-0 training data (binned at T) with PACE's defaults (or,
for the first cells, its defaults before the validation search: `UNTUNED`) for a few iterations
and records the seconds per iteration, with the phase terms on and off (the phase terms are
rFFTs over T, so they should add O(T log T), not O(T^2)). An untimed one-step run first compiles
the neuron kernels for the cell's shapes. The projected time of a default run is seconds per
iteration times the default iteration count. Cells are kept in `condense_time_cells.json`; the
table is `condense_time.md`, the plot `condense_time.png`.

    .venv/bin/python benchmarks/bench_condense_time.py [--iterations 6] [--ipc 1 10 50] [--T 4 8 16 32] [--defaults tuned]
"""

from __future__ import annotations

import argparse
import dataclasses
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch

from spikeslim.bench.cells import CellStore, run_cells
from spikeslim.bench.protocol import get_protocol, splits
from spikeslim.condense.pace.method import UNTUNED, Options
from spikeslim.condense.registry import condense_set
from spikeslim.datasets.base import FrameSet
from spikeslim.report import plot_xy, write_report
from spikeslim.train.plugins import RunContext

REPO = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def _train(T: int) -> FrameSet:
    proto = dataclasses.replace(get_protocol("nmnist-small"), T=T)
    return splits(proto, only=[0])[0].train


def run(key: dict[str, Any]) -> dict[str, Any]:
    base = UNTUNED if key["defaults"] == "untuned" else {}
    options = {**base, "iterations": key["iterations"], "phase": key["phase"]}
    train, run = _train(key["T"]), RunContext(seed=0, progress=False)
    condense_set("pace", train, key["ipc"], options={**options, "iterations": 1}, run=run)  # untimed: compiles the kernels
    out = condense_set("pace", train, key["ipc"], options=options, run=run)
    per_it = out.meta["timings"]["optimise"] / key["iterations"]
    return {"seconds_per_iteration": per_it, "threads": torch.get_num_threads()}


def report(store: CellStore, out: Path) -> None:
    default_its = Options().iterations
    cells = sorted(store.select(), key=lambda c: (c["key"]["defaults"], c["key"]["ipc"], c["key"]["T"],
                                                   c["key"]["phase"]))
    rows = [{"PACE defaults": c["key"]["defaults"], "IPC": c["key"]["ipc"], "T": c["key"]["T"], "phase terms": "on" if c["key"]["phase"] else "off",
             "s / iteration": round(c["seconds_per_iteration"], 2),
             f"default run ({default_its} it), min": round(c["seconds_per_iteration"] * default_its / 60, 1)}
            for c in cells]
    write_report(out, "condense_time", rows, title="PACE condense time against IPC and T (nmnist-small fold 0, CPU)",
                 notes=f"Seconds per iteration of PACE's defaults ('untuned': {UNTUNED}) over {cells[0]['key']['iterations'] if cells else '?'} "
                       f"iterations, {cells[0]['threads'] if cells else '?'} torch thread(s); the default run is "
                       f"{default_its} iterations.")
    series = {}
    for defaults, ipc, phase in sorted({(c["key"]["defaults"], c["key"]["ipc"], c["key"]["phase"]) for c in cells}):
        pts = sorted((c["key"]["T"], c["seconds_per_iteration"]) for c in cells
                     if (c["key"]["defaults"], c["key"]["ipc"], c["key"]["phase"]) == (defaults, ipc, phase))
        if len(pts) > 1:
            series[f"{defaults}, IPC {ipc}, phase {'on' if phase else 'off'}"] = ([p[0] for p in pts],
                                                                               [p[1] for p in pts], None)
    if series:
        plot_xy(out / "condense_time.png", series, xlabel="T (time bins)", ylabel="seconds per PACE iteration",
                title="PACE condense time, nmnist-small")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=6)
    parser.add_argument("--ipc", nargs="+", type=int, default=[1, 10, 50])
    parser.add_argument("--T", nargs="+", type=int, default=[4, 8, 16, 32])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--defaults", choices=["tuned", "untuned"], default="tuned")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    store = CellStore(out / "condense_time_cells.json")
    todo = [{"T": T, "ipc": ipc, "phase": phase, "iterations": args.iterations, "defaults": args.defaults}
            for T in args.T for ipc in args.ipc for phase in (True, False)]
    run_cells(store, todo, run, desc="condense time cells", after=lambda: report(store, out))
    report(store, out)
    print((out / "condense_time.md").read_text())


if __name__ == "__main__":
    main()
