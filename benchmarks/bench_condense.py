"""Condensation benchmark: every method x IPC x dataset x seed, judged by training from scratch on it.

A cell is (dataset, method, IPC, seed): condense the real training set with that seed, train one
fresh network (same seed) on the result with the fast evaluation recipe below, and test it on the
real test split. A row aggregates a cell's seeds (mean ± std), beside a network trained on the
full training set with the same recipe. Methods: the coresets (random, herding, kcenter,
forgetting), the distillers (dm, dc, pace) and PACE's ablations (no SDR features, no phase
term, no PEQ-N rounding). Every finished cell is saved at once in `condense_cells.json`, so an
interrupted run resumes where it stopped; `--max-minutes` stops starting new cells after that
long (cells run seed-major, so every method gets its first seed before any gets a second).

    .venv/bin/python benchmarks/bench_condense.py [--quick] [--datasets digits-dvs nmnist-small]
        [--ipc 1 10] [--seeds 3] [--max-minutes 25] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, NamedTuple

import torch
from tqdm import tqdm

from spikeslim.bench.report import format_mean_std, mean_std, plot_xy, write_report
from spikeslim.condense.evaluate import EVENT_BYTES, EvalRecipe, train_and_test
from spikeslim.condense.registry import build_condenser
from spikeslim.datasets import load_frames
from spikeslim.datasets.base import FrameSet
from spikeslim.files import write_json

REPO = Path(__file__).resolve().parents[1]
#: Small networks (17x17 frames, width 16, depth 2) so a cell takes seconds to a minute on a CPU.
#: 200 steps train an IPC-10 set 100 epochs; the 30-epoch floor lets the full-data reference
#: converge (at 100 steps / 8 epochs it was under-trained and a random IPC-10 set matched it).
MODEL = {"width": 16, "depth": 2}
RECIPE = EvalRecipe(model_kwargs=MODEL, seeds=1, steps=200, min_epochs=30)
PROXY = {"model_kwargs": MODEL}
DISTILL_NET = {"width": 16, "depth": 2}
PACE = {"iterations": 60, "features": "random", **DISTILL_NET}  # h5's measured choice for this regime
#: name -> (registered method, options). The PACE ablations switch one component off each.
VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "random": ("random", {}),
    "herding": ("herding", {"epochs": 2, **PROXY}),
    "kcenter": ("kcenter", {"epochs": 2, **PROXY}),
    "forgetting": ("forgetting", {"epochs": 4, **PROXY}),
    "dm": ("dm", {"iterations": 60, **DISTILL_NET}),
    "dc": ("dc", {"iterations": 5, "outer_loop": 3, "inner_steps": 2, **DISTILL_NET}),
    "pace": ("pace", PACE),
    "pace --no-sdr": ("pace", {**PACE, "sdr": False}),
    "pace --no-phase": ("pace", {**PACE, "phase": False}),
    "pace --no-peq": ("pace", {**PACE, "peq": False}),
}
#: --quick: a smoke run of the machinery, not a result.
QUICK_MODEL = {"width": 4, "depth": 1}
QUICK_RECIPE = EvalRecipe(model_kwargs=QUICK_MODEL, seeds=1, steps=5, min_epochs=1)
QUICK_VARIANTS = {"random": ("random", {}), "herding": ("herding", {"epochs": 1, "model_kwargs": QUICK_MODEL})}
MAIN_METHODS = ("random", "herding", "kcenter", "forgetting", "dm", "dc", "pace")
DATASETS = ("digits-dvs", "motion-dvs", "nmnist-small")


class Data(NamedTuple):
    name: str
    train: FrameSet
    test: FrameSet


def nmnist_small() -> Path | None:
    path = Path(os.environ.get("SPIKESLIM_NMNIST_SMALL") or REPO / ".." / "shared" / "data" / "nmnist-small")
    return path if (path / "Train").is_dir() else None


def load(name: str, T: int, downsample: int) -> Data | None:
    """nmnist-small is the registered `nmnist` read from the real subset; None when it is absent."""
    binning = dict(T=T, downsample=downsample, progress=False)
    if name == "nmnist-small":
        folder = nmnist_small()
        if folder is None:
            print("skipping nmnist-small: not found (set SPIKESLIM_NMNIST_SMALL)")
            return None
        binning["data_dir"] = folder
    registered = "nmnist" if name == "nmnist-small" else name
    return Data(name, load_frames(registered, "train", **binning), load_frames(registered, "test", **binning))


def run_cell(data: Data, method: tuple[str, dict[str, Any]] | None, ipc: int | None, seed: int, recipe: EvalRecipe,
             device: Any) -> dict[str, Any]:
    """Condense with (name, options), or keep the full training set for None; train and test one network."""
    start = time.perf_counter()
    small = data.train
    if method is not None:
        name, options = method
        small = build_condenser(name, **options).condense(data.train, ipc, seed=seed, device=device, progress=False)
    condense_s = time.perf_counter() - start
    result = train_and_test(small, data.test, recipe, seed, device=device, progress=False)
    return {**result, "condense_seconds": condense_s, "n_samples": len(small),
            "frames_bytes": int(small.frames.size * small.frames.itemsize)}


def cell_key(dataset: str, variant: str, ipc: int | None, seed: int) -> str:
    return f"{dataset}|{variant}|{'all' if ipc is None else ipc}|{seed}"


def aggregate(cells: dict[str, dict], datasets: list[Data], variants: list[str], ipcs: list[int]) -> list[dict]:
    """One row per (dataset, method, IPC) that has at least one finished seed."""
    rows = []
    for data in datasets:
        events = EVENT_BYTES * int(sum(int(data.train.frames[i:i + 256].sum()) for i in range(0, len(data.train), 256)))
        for variant, ipc in [("full data", None)] + [(v, i) for i in ipcs for v in variants]:
            done = [c for c in cells.values() if (c["dataset"], c["method"], c["ipc"]) == (data.name, variant, ipc)]
            if not done:
                continue
            accs = [c["accuracy"] for c in done]
            mean, std = mean_std(accs)
            rows.append({
                "dataset": data.name, "method": variant, "IPC": "all" if ipc is None else ipc,
                "accuracy (%)": format_mean_std(accs), "seeds": len(done),
                "condense time (s)": f"{mean_std([c['condense_seconds'] for c in done])[0]:.1f}",
                "train time (s)": f"{mean_std([c['train_seconds'] for c in done])[0]:.1f}",
                "stored (bytes)": events if ipc is None else done[0]["frames_bytes"],
                "acc_mean": mean, "acc_std": std, "accuracies": accs,
            })
    return rows


def plot(out: Path, name: str, rows: list[dict]) -> list[Path]:
    """Accuracy vs IPC per dataset, one line per main method; the full-data result as a flat line."""
    paths = []
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        mine = [r for r in rows if r["dataset"] == dataset and r["IPC"] != "all"]
        ipcs = sorted({r["IPC"] for r in mine})
        series = {}
        for method in MAIN_METHODS:
            pts = sorted((r["IPC"], 100 * r["acc_mean"], 100 * r["acc_std"]) for r in mine if r["method"] == method)
            if pts:
                series[method] = tuple(map(list, zip(*pts)))
        full = [r for r in rows if r["dataset"] == dataset and r["IPC"] == "all"]
        if full and ipcs:
            series["full data"] = (ipcs, [100 * full[0]["acc_mean"]] * len(ipcs), None)
        if series:
            paths.append(plot_xy(out / f"{name}_{dataset}.png", series, xlabel="samples per class (IPC)",
                                 ylabel="test accuracy (%)", title=f"{dataset}: condensed sets", logx=True))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: digits-dvs, IPC 1, two methods, tiny recipe")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--methods", nargs="+", default=list(VARIANTS), choices=list(VARIANTS), metavar="METHOD",
                        help=f"any of: {', '.join(VARIANTS)}")
    parser.add_argument("--ipc", nargs="+", type=int, default=[1, 10], help="samples per class (add 50 for the large setting)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--T", type=int, default=10)
    parser.add_argument("--downsample", type=int, default=2)
    parser.add_argument("--max-minutes", type=float, default=None, help="start no new cell after this long")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1: small networks; on a shared machine more threads wait)")
    parser.add_argument("--device", default=None)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    name, recipe, table = "condense", RECIPE, VARIANTS
    if args.quick:
        name, recipe, table = "condense_quick", QUICK_RECIPE, QUICK_VARIANTS
        args.methods = list(QUICK_VARIANTS)
        args.datasets, args.ipc, args.seeds, args.T, args.downsample = ["digits-dvs"], [1], 1, 4, 4

    out = Path(args.out)
    cells_path = out / f"{name}_cells.json"
    saved = json.loads(cells_path.read_text()) if cells_path.exists() else {"cells": {}, "recipe": asdict(recipe)}
    if saved["recipe"] != asdict(recipe):
        raise SystemExit(f"{cells_path} holds cells of another recipe ({saved['recipe']}); move it away to start over")
    cells: dict[str, dict] = saved["cells"]
    datasets = [d for d in (load(n, args.T, args.downsample) for n in args.datasets) if d is not None]
    todo = [(d, "full data", None, 0) for d in datasets]
    todo += [(d, v, ipc, s) for s in range(args.seeds) for d in datasets for ipc in args.ipc for v in args.methods]
    todo = [t for t in todo if cell_key(t[0].name, *t[1:]) not in cells]
    start, stopped = time.perf_counter(), 0
    for data, variant, ipc, seed in (bar := tqdm(todo, desc="condense cells", unit="cell")):
        if args.max_minutes is not None and time.perf_counter() - start > 60 * args.max_minutes:
            stopped = len(todo) - bar.n
            break
        bar.set_postfix_str(f"{data.name} {variant} IPC {ipc or 'all'} seed {seed}")
        result = run_cell(data, table.get(variant), ipc, seed, recipe, args.device)
        cells[cell_key(data.name, variant, ipc, seed)] = {"dataset": data.name, "method": variant, "ipc": ipc,
                                                          "seed": seed, **result}
        write_json(cells_path, {"cells": cells, "recipe": asdict(recipe), "variants": table})
    ran = [v for v in table if any(c["method"] == v for c in cells.values())]
    rows = aggregate(cells, datasets, ran, sorted({c["ipc"] for c in cells.values() if c["ipc"] is not None}))
    sizes = ", ".join(f"{d.name} {d.train.shape[2]}x{d.train.shape[3]}" for d in datasets)
    notes = (f"Frames T={args.T}, downsample {args.downsample} ({sizes}). "
             f"Each seed condenses the training set and trains one fresh `{recipe.model}` {recipe.model_kwargs} from "
             f"scratch (Adam, cosine, {recipe.steps} steps, at least {recipe.min_epochs} epochs); accuracy on the real "
             f"test split, mean ± std over seeds. Stored bytes: the set's count frames; for full data, its raw "
             f"events at {EVENT_BYTES} bytes each. Method options: {json.dumps({v: table[v] for v in ran})}. Times are wall "
             f"seconds. "
             f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores shared with other jobs, "
             f"torch threads {torch.get_num_threads()}."
             + (f" Stopped at --max-minutes with {stopped} cells not run." if stopped else ""))
    columns = ["dataset", "method", "IPC", "accuracy (%)", "seeds", "condense time (s)", "train time (s)", "stored (bytes)"]
    json_path, md_path = write_report(out, name, rows, columns, title="Dataset condensation on event data", notes=notes)
    for path in [json_path, md_path, *plot(out, name, rows)]:
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
