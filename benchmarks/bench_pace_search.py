"""PACE search on validation data only: which feature source, budget and settings make it win
(and the baselines' own choices, such as IDM's partitioning).

Each cell condenses the *fit* part of one split of a dataset (its training data less a
stratified 20% validation carve, `protocol.validation`) with one PACE setting, trains one
protocol network on the set and scores the validation carve. Random real samples and herding
at the same IPC are scored alike as the bars to beat. No test data is read: the chosen
defaults are then run once in bench_condense. Cells are kept in `pace_search_cells.json`.

    .venv/bin/python benchmarks/bench_pace_search.py [--datasets nmnist-small] [--ipc 10] [--seeds 1]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from spikeslim.bench.cells import CellStore, run_cells
from spikeslim.bench.data import available
from spikeslim.bench.protocol import PROTOCOLS, get_protocol, splits, validation
from spikeslim.bench.summary import accuracy_text
from spikeslim.condense.evaluate import train_and_test
from spikeslim.condense.pace.method import UNTUNED
from spikeslim.condense.registry import condense_set
from spikeslim.report import plot_xy, write_report
from spikeslim.train.plugins import RunContext

REPO = Path(__file__).resolve().parents[1]
#: bench_condense's distillation network (ConvNet, instance norm): the first PACE row is bench_condense's "pace".
NET = {"model": "convnet", "width": 16, "depth": 2}
#: PACE through the evaluation architecture, matched against exact whole-class statistics of a
#: fixed bank of random networks, at a smaller step (docs/pace.md: why).
BANK = {"iterations": 60, "model": "scnn", "width": 32, "depth": 2, "features": "bank", "pool_size": 4, "lr": 0.005}
#: PACE's library defaults since 2026-12-02, over `UNTUNED` (bench_condense's "pace-tuned"); spelled
#: out rather than read from `Options` so these cells keep their meaning if the defaults move again
TUNED = {**BANK, "init": "herding", "export_rounding": "nearest"}
#: the evaluation architecture as a distiller's matching network
SCNN = {"model": "scnn", "width": 32, "depth": 2}
#: name -> (method, options); PACE options over `UNTUNED`, the defaults the search started from.
SETTINGS: dict[str, tuple[str, dict[str, Any]]] = {
    "random real": ("random", {}),
    "herding": ("herding", {"model": "scnn", "model_kwargs": {"width": 32}, "epochs": 4}),
    "pace (default: random nets, 60 it)": ("pace", {"iterations": 60, **NET}),
    "pace, pool of trained nets": ("pace", {"iterations": 60, "features": "pool", **NET}),
    "pace, frozen teacher": ("pace", {"iterations": 60, "features": "teacher", "teacher_epochs": 8, **NET}),
    "pace through scnn": ("pace", {"iterations": 60, "model": "scnn", "width": 32, "depth": 2}),
    "dm through scnn": ("dm", {"iterations": 150, **SCNN}),
    # DM's step size: calibrated, its networks respond, and at 0.02 its steps fill empty pixels (2.3x the real events)
    "dm through scnn, lr 0.005": ("dm", {"iterations": 150, **SCNN, "lr": 0.005}),
    "dm through scnn, lr 0.001": ("dm", {"iterations": 150, **SCNN, "lr": 0.001}),
    # PACE's haze control at IPC 10 given to DM; IDM at DM's best step size
    "dm through scnn, lr 0.001, nearest export": ("dm", {"iterations": 150, **SCNN, "lr": 0.001,
                                                         "export_rounding": "nearest"}),
    "idm through scnn, lr 0.001": ("idm", {"iterations": 50, **SCNN, "lr": 0.001}),
    "idm through scnn, no partitioning, lr 0.001": ("idm", {"iterations": 50, **SCNN, "factor": 1, "lr": 0.001}),
    # DM's own curve at its best step size: run until its validation accuracy stops rising (600 it: PACE's wall clock)
    "dm through scnn, lr 0.001, 50 it": ("dm", {"iterations": 50, **SCNN, "lr": 0.001}),
    "dm through scnn, lr 0.001, 300 it": ("dm", {"iterations": 300, **SCNN, "lr": 0.001}),
    "dm through scnn, lr 0.001, 600 it": ("dm", {"iterations": 600, **SCNN, "lr": 0.001}),
    # the IDM baseline's own choice: its partitioning (factor 2 decodes 17x17 tiles) against none
    "idm through scnn": ("idm", {"iterations": 50, **SCNN}),
    "idm through scnn, no partitioning": ("idm", {"iterations": 50, **SCNN, "factor": 1}),
    # which of IDM's additions sinks it here: the class term (w_ce) off, with and without partitioning
    "idm through scnn, no class term": ("idm", {"iterations": 50, **SCNN, "w_ce": 0.0}),
    "idm through scnn, no partitioning, no class term": ("idm", {"iterations": 50, **SCNN, "factor": 1, "w_ce": 0.0}),
    # IDM's step size, searched as PACE's was: at DM's 0.02 its trained pool fills empty pixels (2.5x the real events)
    "idm through scnn, lr 0.005": ("idm", {"iterations": 50, **SCNN, "lr": 0.005}),
    "idm through scnn, no partitioning, lr 0.005": ("idm", {"iterations": 50, **SCNN, "factor": 1, "lr": 0.005}),
    "idm through scnn, no partitioning, w_ce 0.01": ("idm", {"iterations": 50, **SCNN, "factor": 1, "w_ce": 0.01}),
    # DC through scnn with DSA's augmentation: its step size, then its curve (15 iterations: PACE's wall clock)
    "dc through scnn, lr 0.001": ("dc", {"iterations": 30, **SCNN, "lr": 0.001}),
    "dc through scnn, lr 0.005": ("dc", {"iterations": 30, **SCNN, "lr": 0.005}),
    "dc through scnn, lr 0.001, 15 it": ("dc", {"iterations": 15, **SCNN, "lr": 0.001}),
    "dc through scnn, lr 0.001, 60 it": ("dc", {"iterations": 60, **SCNN, "lr": 0.001}),
    "dc through scnn, lr 0.001, nearest export": ("dc", {"iterations": 30, **SCNN, "lr": 0.001,
                                                         "export_rounding": "nearest"}),
    "pace, 20 it": ("pace", {"iterations": 20, **NET}),
    "pace, 150 it": ("pace", {"iterations": 150, **NET}),
    "pace, pool, 150 it": ("pace", {"iterations": 150, "features": "pool", **NET}),
    "pace, real batch 32": ("pace", {"iterations": 60, "real_batch": 32, **NET}),
    "pace, herding init": ("pace", {"iterations": 60, "init": "herding", **NET}),
    "pace, herding init, 20 it": ("pace", {"iterations": 20, "init": "herding", **NET}),
    "dm through scnn, herding init": ("dm", {"iterations": 150, "init": "herding", "model": "scnn", "width": 32,
                                             "depth": 2}),
    "pace through scnn, bank, herding init": ("pace", {**BANK, "init": "herding"}),
    "pace through scnn, bank, herding init, 150 it": ("pace", {**BANK, "init": "herding", "iterations": 150}),
    "pace through scnn, bank, herding init, 300 it": ("pace", {**BANK, "init": "herding", "iterations": 300}),
    "pace through scnn, bank, real init": ("pace", BANK),
    "pace through scnn, teacher, herding init": ("pace", {**BANK, "features": "teacher", "teacher_epochs": 4,
                                                          "init": "herding"}),
    "pace through scnn, pool, herding init": ("pace", {**BANK, "features": "pool", "init": "herding"}),
    "pace through scnn, bank, herding init, lr 0.002": ("pace", {**BANK, "init": "herding", "lr": 0.002}),
    "pace through scnn, bank, herding init, nsgd": ("pace", {**BANK, "init": "herding", "optimizer": "nsgd"}),
    "pace through scnn, bank, herding init, nearest export": ("pace", TUNED),
    # PACE's defaults since 2026-12-02 (bench_condense's pace-tuned): their curve over iterations, and sparsity at IPC 1
    "pace through scnn, bank, herding init, nearest export, 20 it": ("pace", {**TUNED, "iterations": 20}),
    "pace through scnn, bank, herding init, nearest export, 150 it": ("pace", {**TUNED, "iterations": 150}),
    "pace through scnn, bank, herding init, nearest export, 300 it": ("pace", {**TUNED, "iterations": 300}),
    "pace through scnn, bank, herding init, nearest export, sparsity 0.5": ("pace", {**TUNED, "sparsity": 0.5}),
    "pace through scnn, bank, herding init, sparsity 0.5": ("pace", {**BANK, "init": "herding", "sparsity": 0.5}),
    "pace through scnn, bank, herding init, sparsity 1": ("pace", {**BANK, "init": "herding", "sparsity": 1.0}),
    "pace through scnn, bank, herding init, sparsity 2": ("pace", {**BANK, "init": "herding", "sparsity": 2.0}),
    "pace through scnn, bank, real init, sparsity 1": ("pace", {**BANK, "sparsity": 1.0}),
    "pace, herding init, sparsity 1": ("pace", {"iterations": 60, "init": "herding", "sparsity": 1.0, **NET}),
    # partitioning alone: one step of 1e-9 leaves the start, 4 pooled random real samples per stored one
    "random real, 2x2 tiles (no optimisation)": ("pace", {**BANK, "factor": 2, "iterations": 1, "lr": 1e-9}),
    "pace through scnn, bank, 2x2 tiles": ("pace", {**BANK, "factor": 2}),
    "pace through scnn, bank, 2x2 tiles, herding init": ("pace", {**BANK, "factor": 2, "init": "herding"}),
    # the temporal terms, for motion-dvs, whose classes differ only in the order of the frames
    "pace, no phase term": ("pace", {"iterations": 60, "phase": False, **NET}),
    "pace, phase weight 1": ("pace", {"iterations": 60, "w_phase": 1.0, **NET}),
    "pace, per-step mean only": ("pace", {"iterations": 60, "w_amp": 0.0, "phase": False, **NET}),
    "pace through scnn, bank, herding init, sparsity 0.5, phase weight 1": ("pace", {**BANK, "init": "herding",
                                                                                     "sparsity": 0.5, "w_phase": 1.0}),
    # per-layer weights (scnn depth 2: the first block's features, or only the last, which feeds the readout)
    "pace through scnn, bank, herding init, nearest export, first layer only": (
        "pace", {**BANK, "init": "herding", "export_rounding": "nearest", "w_layers": [1.0, 0.0]}),
    "pace through scnn, bank, herding init, nearest export, last layer only": (
        "pace", {**BANK, "init": "herding", "export_rounding": "nearest", "w_layers": [0.0, 1.0]}),
    # the haze as a constraint instead of a push: events per step and polarity held at the class's real mean
    "pace, event budget": ("pace", {"iterations": 60, "event_budget": "class", **NET}),
    "pace through scnn, bank, herding init, event budget": ("pace", {**BANK, "init": "herding", "event_budget": "class"}),
    "pace through scnn, bank, herding init, phase weight 1, event budget": ("pace", {**BANK, "init": "herding",
                                                                                      "w_phase": 1.0,
                                                                                      "event_budget": "class"}),
}
#: accuracy against iterations: curve -> (its start, scored as 0 iterations, {iterations: setting})
CURVES: dict[str, tuple[str, dict[int, str]]] = {
    "dm through scnn, lr 0.001": ("random real", {50: "dm through scnn, lr 0.001, 50 it", 150: "dm through scnn, lr 0.001",
                                                  300: "dm through scnn, lr 0.001, 300 it",
                                                  600: "dm through scnn, lr 0.001, 600 it"}),
    "dc through scnn, lr 0.001": ("random real", {15: "dc through scnn, lr 0.001, 15 it", 30: "dc through scnn, lr 0.001",
                                                  60: "dc through scnn, lr 0.001, 60 it"}),
    "pace (ConvNet-IN)": ("random real", {20: "pace, 20 it", 60: "pace (default: random nets, 60 it)",
                                          150: "pace, 150 it"}),
    "pace through scnn, bank, herding start": ("herding", {
        60: "pace through scnn, bank, herding init", 150: "pace through scnn, bank, herding init, 150 it",
        300: "pace through scnn, bank, herding init, 300 it"}),
    "PACE's defaults (pace-tuned)": ("herding", {
        20: "pace through scnn, bank, herding init, nearest export, 20 it",
        60: "pace through scnn, bank, herding init, nearest export",
        150: "pace through scnn, bank, herding init, nearest export, 150 it"}),
}


def run(key: dict[str, Any]) -> dict[str, Any]:
    proto = get_protocol(key["dataset"])
    fit, val = validation(splits(proto, only=[key["split"]])[0].train)
    method, options = SETTINGS[key["setting"]]
    options = {**UNTUNED, **options} if method == "pace" else options  # the settings vary the search's starting point
    start = time.perf_counter()
    small = condense_set(method, fit, key["ipc"], options=options, run=RunContext(seed=key["seed"], progress=False))
    condense_s = time.perf_counter() - start
    r = train_and_test(small, val, proto.recipe, key["seed"], progress=False)
    frames = np.asarray(small.frames, dtype=np.float64)
    losses = small.meta.get("loss_history") or [{}]  # coresets have none
    return {"val_accuracy": r["accuracy"], "condense_seconds": condense_s, "train_seconds": r["train_seconds"],
            "loss_first": losses[0].get("loss"), "loss_last": losses[-1].get("loss"),
            "n_val": len(val), "events_per_sample": float(frames.sum() / len(frames)),
            "occupied": float((frames > 0).mean()), "real_events_per_sample": float(np.asarray(fit.frames).sum() / len(fit))}


def report(store: CellStore, out: Path) -> None:
    rows = []
    for dataset in PROTOCOLS:
        for ipc in sorted({c["key"]["ipc"] for c in store.select(dataset=dataset)}):
            for setting in SETTINGS:
                cells = store.select(dataset=dataset, ipc=ipc, setting=setting)
                if cells:
                    rows.append({"dataset": dataset, "IPC": ipc, "setting": setting, "cells (split x seed)": len(cells),
                                 "validation accuracy (%)": accuracy_text([c["val_accuracy"] for c in cells]),
                                 "per split (%)": ", ".join(f"{c['key']['split']}: {100 * c['val_accuracy']:.1f}"
                                                            for c in sorted(cells, key=lambda c: c["key"]["split"])),
                                 "minus herding (points, same splits)": _minus(store, cells, "herding"),
                                 "condense time (s)": f"{sum(c['condense_seconds'] for c in cells) / len(cells):.0f}",
                                 "events / sample": _mean_of(cells, "events_per_sample", ".0f"),
                                 "real events / sample": _mean_of(cells, "real_events_per_sample", ".0f"),
                                 "occupied pixels": _mean_of(cells, "occupied", ".1%"),
                                 "loss first -> last": _mean_of(cells, "loss_first", ".3f") + " -> "
                                                       + _mean_of(cells, "loss_last", ".3f"),
                                 "validation samples per cell": cells[0]["n_val"]})
    plot_curves(store, out)
    write_report(out, "pace_search", rows, title="PACE settings on validation splits (no test data)",
                 notes=f"Settings: {SETTINGS}. Evaluation: the protocol recipe, one network per seed.")


def plot_curves(store: CellStore, out: Path) -> None:
    """`pace_search_iterations_<dataset>_ipc<IPC>.png`: validation accuracy against iterations for
    each of CURVES, each point the mean over the (split, seed) carves that every point of its curve has."""
    for dataset in PROTOCOLS:
        for ipc in sorted({c["key"]["ipc"] for c in store.select(dataset=dataset)}):
            series = {}
            for name, (start, points) in CURVES.items():
                by_it = {0: start, **points}
                cells = {it: {(c["key"]["split"], c["key"]["seed"]): c["val_accuracy"]
                              for c in store.select(dataset=dataset, ipc=ipc, setting=s)} for it, s in by_it.items()}
                cells = {it: got for it, got in cells.items() if got}
                shared = set.intersection(*(set(got) for got in cells.values())) if len(cells) > 2 else set()
                if shared:
                    its = sorted(cells)
                    series[f"{name} ({len(shared)} carve(s))"] = (
                        its, [100 * float(np.mean([cells[it][k] for k in shared])) for it in its], None)
            if series:
                plot_xy(out / f"pace_search_iterations_{dataset}_ipc{ipc}.png", series, xlabel="iterations",
                        ylabel="validation accuracy (%)", title=f"{dataset}, IPC {ipc}: accuracy against iterations")


def _minus(store: CellStore, cells: list[dict[str, Any]], bar: str) -> str:
    """Mean paired difference to setting `bar` over the (split, seed) cells both have."""
    diffs = []
    for c in cells:
        other = store.get({**c["key"], "setting": bar})
        if other is not None:
            diffs.append(100 * (c["val_accuracy"] - other["val_accuracy"]))
    return f"{sum(diffs) / len(diffs):+.1f} ({len(diffs)})" if diffs else "-"


def _mean_of(cells: list[dict[str, Any]], field: str, fmt: str) -> str:
    """Mean of a diagnostic over the cells that recorded it (older cells did not), "-" if none."""
    values = [c[field] for c in cells if c.get(field) is not None]
    return format(sum(values) / len(values), fmt) if values else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["nmnist-small"], choices=list(PROTOCOLS))
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS), metavar="SETTING")
    parser.add_argument("--ipc", nargs="+", type=int, default=[10])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--splits", nargs="+", type=int, default=[0], help="whose validation carves to score (more: less noise)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    store = CellStore(out / "pace_search_cells.json")
    names = [d.name for d in available(args.datasets)]
    todo = [{"dataset": n, "split": sp, "ipc": i, "setting": s, "seed": seed} for seed in range(args.seeds)
            for sp in args.splits for n in names for i in args.ipc for s in args.settings]
    run_cells(store, todo, run, desc="pace search cells", after=lambda: report(store, out))
    report(store, out)
    print((out / "pace_search.md").read_text())


if __name__ == "__main__":
    main()
