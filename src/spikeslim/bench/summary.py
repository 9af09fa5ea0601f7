"""From a store of protocol cells to the rows and plots people read.

A cell holds one split's per-sample correctness (`correct`, a '0'/'1' string in the split's test
order). A run (method, IPC, seed, net) is complete when every split of its dataset has a cell;
its correctness is the splits' strings concatenated in split order, so two methods' runs line up
sample by sample and pair for the bootstrap.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from spikeslim.bench.cells import CellStore
from spikeslim.bench.protocol import PROTOCOLS
from spikeslim.bench.stats import paired_bootstrap
from spikeslim.report import format_mean_std, plot_xy


def split_names(dataset: str) -> list[str]:
    proto = PROTOCOLS[dataset]
    return ["test"] if proto.scheme == "holdout" else [f"fold{f}" for f in range(proto.k)]


def reported(store: CellStore) -> list[str]:
    """Every dataset with cells in the store, in the protocols' order, not only those of the run
    that writes the report: a report is always the whole table."""
    return [name for name in PROTOCOLS if store.select(dataset=name)]


def correct_string(predicted, labels) -> str:
    """A cell's per-sample record: "1" where the prediction is right, in test order (what
    `complete_runs` joins across splits)."""
    return "".join("1" if p == y else "0" for p, y in zip(predicted, labels))


def complete_runs(store: CellStore, dataset: str, group: tuple[str, ...] = ("method", "ipc"),
                  pair: tuple[str, ...] = ("seed", "net")) -> dict[tuple, dict[tuple, dict[str, Any]]]:
    """group values -> pair values -> {'correct': int8 array over every test sample, 'cells': [...]}.

    `group` names what a row is (method and IPC, or method and keep), `pair` what makes one run of
    it (seeds): two rows' runs with equal pair values are paired for the bootstrap.
    """
    splits = split_names(dataset)
    grouped: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for cell in store.select(dataset=dataset):
        k = cell["key"]
        grouped[(tuple(k[g] for g in group), tuple(k[p] for p in pair))][k["split"]] = cell
    runs: dict[tuple, dict[tuple, dict[str, Any]]] = defaultdict(dict)
    for (row, run), by_split in grouped.items():
        if all(s in by_split for s in splits):
            cells = [by_split[s] for s in splits]
            correct = np.array([c == "1" for cell in cells for c in cell["correct"]], dtype=np.int8)
            runs[row][run] = {"correct": correct, "cells": cells}
    return runs


def paired_text(theirs: dict[tuple, dict[str, Any]], mine: dict[tuple, dict[str, Any]]) -> tuple[str, list[float] | None]:
    """'+1.2 [+0.3, +2.1] *' for theirs − mine over their common runs ('' when none are shared)."""
    paired = sorted(set(theirs) & set(mine))
    if not paired:
        return "", None
    ci = paired_bootstrap(np.stack([theirs[p]["correct"] for p in paired]), np.stack([mine[p]["correct"] for p in paired]))
    return ci.text(), [ci.diff, ci.low, ci.high]


def accuracy_text(accs: list[float]) -> str:
    """'88.5 ± 1.2' over runs; a single run has no spread to show, so it says so."""
    return format_mean_std(accs) if len(accs) > 1 else f"{100 * accs[0]:.1f} (1 run)"


def _mean(cells: list[dict[str, Any]], field: str) -> float:
    vals = [c[field] for c in cells if c.get(field) is not None]
    return float(np.mean(vals)) if vals else float("nan")


def condense_rows(store: CellStore, names: list[str], *, full: str, proposed: str,
                  also: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """One row per (dataset, method, IPC) with at least one complete run, proposed-vs-method CIs
    (column "<proposed> − method (points)", its interval in "ci"), and the same column for each
    method in `also`."""
    rows = []
    for dataset in names:
        runs = complete_runs(store, dataset)
        full_runs = runs.get((full, "all"), {})
        full_acc = np.mean([r["correct"].mean() for r in full_runs.values()]) if full_runs else None
        ipcs = sorted({ipc for (_, ipc) in runs if ipc != "all"})
        order = [(full, "all")] if full_runs else []
        order += sorted(((m, i) for (m, i) in runs if i != "all"), key=lambda k: (ipcs.index(k[1]), k[0]))
        for method, ipc in order:
            mine = runs[(method, ipc)]
            accs = [r["correct"].mean() for r in mine.values()]
            cells = [c for r in mine.values() for c in r["cells"]]
            row = {"dataset": dataset, "method": method, "IPC": ipc, "runs": len(mine),
                   "accuracy (%)": accuracy_text(accs), "acc_mean": float(np.mean(accs)), "accuracies": accs,
                   "run ids": [list(run) for run in mine],
                   "of full data": "" if full_acc is None or ipc == "all" else f"{np.mean(accs) / full_acc:.0%}",
                   "condense time (s)": f"{_mean(cells, 'condense_seconds'):.1f}",
                   "train time (s)": f"{_mean(cells, 'train_seconds'):.1f}",
                   "stored (bytes)": "" if ipc == "all" else f"{_mean(cells, 'set_file_bytes'):,.0f}",
                   **{f"{p} − method (points)": "" for p in (proposed, *also)}}
            for p in (proposed, *also):
                if method != p and ipc != "all":
                    text, ci = paired_text(runs.get((p, ipc), {}), mine)
                    row[f"{p} − method (points)"] = text
                    if ci is not None and p == proposed:
                        row["ci"] = ci
            rows.append(row)
    return rows


def _run_points(runs: dict[tuple, dict[tuple, dict[str, Any]]], seconds) -> dict[str, list[tuple[float, float]]]:
    """method -> [(mean seconds per network, accuracy %)], one point per group (IPC or keep)."""
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for (method, _), mine in runs.items():
        cells = [c for r in mine.values() for c in r["cells"]]
        acc = 100 * float(np.mean([r["correct"].mean() for r in mine.values()]))
        points[method].append((float(np.mean([seconds(c) for c in cells])), acc))
    return points


def time_to_accuracy(path: Path, dataset: str, *, condense: CellStore | None = None,
                     prune: CellStore | None = None, full: str = "full data") -> Path | None:
    """Test accuracy against training wall time per network: full data, every condensed set at
    each IPC (a line per method) and every pruning method at each keep, from whichever stores exist."""
    series: dict[str, tuple[list[float], list[float], None]] = {}
    if condense is not None:
        for method, pts in _run_points(complete_runs(condense, dataset), lambda c: c["train_seconds"]).items():
            series[method if method == full else f"condense: {method}"] = _xy(pts)
    if prune is not None:
        runs = complete_runs(prune, dataset, group=("method", "keep"), pair=("seed",))
        for method, pts in _run_points(runs, lambda c: c["train_s"] + c["score_s"]).items():
            if method != full or full not in series:
                series[method if method == full else f"prune: {method}"] = _xy(pts)
    if not series:
        return None
    return plot_xy(path, series, xlabel="training wall time per network (s, log)", ylabel="test accuracy (%)",
                   title=f"{dataset}: accuracy against training time", logx=True)


def _xy(points: list[tuple[float, float]]) -> tuple[list[float], list[float], None]:
    pts = sorted(points)
    return [p[0] for p in pts], [p[1] for p in pts], None
