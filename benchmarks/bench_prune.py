"""Data pruning benchmark: every sampler at keep 0.3 / 0.5 / 0.7 against full data, per seed.

Each cell trains a fresh small spiking convnet on `digits-dvs`, `motion-dvs` and `nmnist-small`
(the real N-MNIST subset beside the checkout) and evaluates it once on the test split. The time
charged to a cell is its training epochs (no evaluation) plus, for the static methods, their
proxy scoring. Speed-up is full-data time / cell time of the same seed, median over seeds, next
to the theoretical 1 / keep. At keep 1.0, `sadp` trains on all data while scoring every batch:
its time against full data measures what the score itself costs. Cells run seed-major with the
methods interleaved, so a cut-short run still compares them side by side.

Resumable: finished cells are kept in `<out>/prune_cells.json` (`prune_quick_cells.json` with
`--quick`) and skipped on the next run; delete that file to start afresh.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from spikeslim.bench.report import format_mean_std, mean_std, plot_xy, write_report
from spikeslim.datasets import load_frames
from spikeslim.datasets.base import FrameSet
from spikeslim.files import write_json
from spikeslim.prune import build_sampler, names
from spikeslim.prune.static import StaticSampler
from spikeslim.snn.models import build_model
from spikeslim.train import TrainConfig, evaluate, fit, resolve_device

REPO = Path(__file__).resolve().parents[1]
DATASETS = ("digits-dvs", "motion-dvs", "nmnist-small")
KEEPS = (0.3, 0.5, 0.7)
STATIC = ("el2n", "grand", "forgetting")
FULL = "full data"
MODEL = {"depth": 2, "width": 16}
FRAMES = {"T": 6, "downsample": 2}


def nmnist_small_dir() -> Path | None:
    env = os.environ.get("SPIKESLIM_NMNIST_SMALL")
    path = Path(env) if env else REPO / ".." / "shared" / "data" / "nmnist-small"
    return path if path.is_dir() else None


def load(dataset: str, split: str, limit: int | None) -> FrameSet:
    """In-memory frames (no memmap reads inside the timed epochs), optionally a random subset."""
    if dataset == "nmnist-small":
        data = load_frames("nmnist", split, data_dir=nmnist_small_dir(), progress=False, **FRAMES)
    else:
        data = load_frames(dataset, split, progress=False, **FRAMES)
    n = len(data)
    keep = np.sort(np.random.default_rng(0).permutation(n)[:limit]) if limit and limit < n else np.arange(n)
    return data.subset(keep)


def cell_key(dataset: str, method: str, keep: float, seed: int) -> str:
    return f"{dataset}|{method}|{keep}|{seed}"


def plan_cells(datasets: list[str], methods: list[str], seeds: int) -> list[tuple[str, str, float, int]]:
    """Seed-major; per dataset the ratios in turn, every method within each, and the full-data
    references between them, so slow drifts of the shared machine hit all variants alike."""
    cells = []
    for seed in range(seeds):
        for dataset in datasets:
            blocks = [[(dataset, m, keep, seed) for m in methods] for keep in KEEPS]
            references = [[(dataset, FULL, 1.0, seed)], [(dataset, "sadp", 1.0, seed)] if "sadp" in methods else []]
            cells += blocks[0] + references[0] + blocks[1] + references[1] + blocks[2]
    return cells


class Runner:
    """Trains cells, reusing loaded data and each static method's proxy scores across ratios."""

    def __init__(self, config: TrainConfig, limit: int | None, device: torch.device, anneal: float | None) -> None:
        self.config, self.limit, self.device, self.anneal = config, limit, device, anneal
        self.data: dict[str, tuple[FrameSet, FrameSet]] = {}
        self.static: dict[tuple[str, str, int], StaticSampler] = {}

    def splits(self, dataset: str) -> tuple[FrameSet, FrameSet]:
        if dataset not in self.data:
            self.data[dataset] = (load(dataset, "train", self.limit), load(dataset, "test", None))
            self.warm_up(self.data[dataset][0])
        return self.data[dataset]

    def warm_up(self, train: FrameSet) -> None:
        """One untimed epoch on a few examples, so first-call costs land in no timed cell."""
        few = train.subset(np.arange(min(128, len(train))))
        model = build_model("convnet", in_shape=few.shape[1:], n_classes=few.n_classes, **MODEL)
        config = dataclasses.replace(self.config, epochs=1)
        fit(model, few, config, sampler=build_sampler("sadp", few, keep=1.0, seed=0), device=self.device, progress=False)

    def sampler(self, dataset: str, method: str, keep: float, seed: int, train: FrameSet, factory) -> Any:
        if method == FULL:
            return None
        if method not in STATIC:
            options = {} if self.anneal is None else {"anneal": self.anneal}
            return build_sampler(method, train, keep=keep, seed=seed, config=self.config, **options)
        scored = self.static.get((dataset, method, seed))
        if scored is None:
            scored = build_sampler(method, train, keep=keep, seed=seed, model_factory=factory, config=self.config,
                                   device=str(self.device), progress=False)
            self.static[(dataset, method, seed)] = scored
        return StaticSampler(scored.scores, keep=keep, seed=seed, score_time_s=scored.score_time_s)

    def run(self, dataset: str, method: str, keep: float, seed: int) -> dict[str, Any]:
        train, test = self.splits(dataset)
        config = dataclasses.replace(self.config, seed=seed)

        def factory() -> torch.nn.Module:
            return build_model("convnet", in_shape=train.shape[1:], n_classes=train.n_classes, **MODEL)

        sampler = self.sampler(dataset, method, keep, seed, train, factory)
        torch.manual_seed(seed)
        model = factory()
        result = fit(model, train, config, sampler=sampler, device=self.device, progress=False)
        return {
            "dataset": dataset, "method": method, "keep": keep, "seed": seed,
            "accuracy": evaluate(model, test, device=self.device)["accuracy"],
            "train_s": result.wall_time_s, "score_s": getattr(sampler, "score_time_s", 0.0),
            "examples_seen": result.examples_seen, "n_train": len(train), "epochs": config.epochs,
        }


def read_cells(path: Path, config: TrainConfig) -> list[dict[str, Any]]:
    """Finished cells of an earlier run with the same settings; refuses to mix settings."""
    if not path.exists():
        return []
    stored = json.loads(path.read_text())
    if (stored["config"], stored["model"], stored["frames"]) != (config.to_dict(), MODEL, FRAMES):
        raise SystemExit(f"{path} holds cells trained with other settings; delete it or use another --out")
    return stored["cells"]


def summarise(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (dataset, keep, method): seed mean ± std accuracy, median times and speed-ups."""
    full = {(c["dataset"], c["seed"]): c["train_s"] for c in cells if c["method"] == FULL}
    groups: dict[tuple[str, float, str], list[dict[str, Any]]] = {}
    for c in cells:
        groups.setdefault((c["dataset"], c["keep"], c["method"]), []).append(c)
    rows = []
    for (dataset, keep, method), group in sorted(groups.items(), key=lambda kv: (kv[0][0], -kv[0][1], kv[0][2])):
        paired = [c for c in group if (dataset, c["seed"]) in full]
        speedups = [full[(dataset, c["seed"])] / (c["train_s"] + c["score_s"]) for c in paired]
        speedup = statistics.median(speedups) if speedups else float("nan")
        acc_mean, acc_std = mean_std([c["accuracy"] for c in group])
        rows.append({
            "dataset": dataset, "keep": keep, "method": "sadp (scores, all data)" if keep == 1.0 and method == "sadp" else method,
            "accuracy %": format_mean_std([c["accuracy"] for c in group]), "seeds": len(group),
            "examples seen": int(statistics.mean(c["examples_seen"] for c in group)),
            "train s": statistics.median(c["train_s"] for c in group),
            "score s": statistics.median(c["score_s"] for c in group),
            "speed-up": speedup, "ideal": 1.0 / keep, "of ideal": speedup * keep,
            "acc_mean": acc_mean, "acc_std": acc_std, "time_s": statistics.median(c["train_s"] + c["score_s"] for c in group),
        })
    return rows


def verdicts(rows: list[dict[str, Any]]) -> str:
    """The issue's aims, checked on the numbers in the table (seed means)."""
    by = {(r["dataset"], r["keep"], r["method"]): r for r in rows}
    lines = []
    for dataset in sorted({r["dataset"] for r in rows}):
        ref = by.get((dataset, 1.0, FULL))
        for keep in KEEPS:
            sadp = by.get((dataset, keep, "sadp"))
            if sadp is None:
                continue
            others = [r for (d, k, m), r in by.items() if d == dataset and k == keep and m != "sadp"]
            beaten = [r["method"] for r in others if r["acc_mean"] > sadp["acc_mean"]]
            gap = "" if ref is None else f", {100 * (sadp['acc_mean'] - ref['acc_mean']):+.1f} pts vs full data"
            lines.append(f"- {dataset} keep {keep}: SADP {100 * sadp['acc_mean']:.1f}%{gap}; "
                         f"{'more accurate: ' + ', '.join(beaten) if beaten else 'at least as accurate as every baseline'}; "
                         f"speed-up {sadp['speed-up']:.2f}x = {sadp['of ideal']:.2f} of 1/keep")
    return "\n".join(lines)


def plot(rows: list[dict[str, Any]], out: Path, name: str) -> list[Path]:
    paths = []
    for dataset in sorted({r["dataset"] for r in rows}):
        series = {}
        for method in sorted({r["method"] for r in rows if r["dataset"] == dataset and r["keep"] < 1.0}):
            pts = sorted((r["time_s"], 100 * r["acc_mean"], 100 * r["acc_std"]) for r in rows
                         if r["dataset"] == dataset and r["method"] == method and r["keep"] < 1.0)
            series[method] = tuple(zip(*pts))
        ref = [(r["time_s"], 100 * r["acc_mean"], 100 * r["acc_std"]) for r in rows
               if r["dataset"] == dataset and r["method"] == FULL]
        if ref:
            series[FULL] = tuple(zip(*ref))
        paths.append(plot_xy(out / f"{name}_{dataset}.png", series, xlabel="training wall time incl. scoring (s)",
                             ylabel="test accuracy (%)", title=f"{dataset}: keep 0.3 / 0.5 / 0.7 vs full data"))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 seed, 2 epochs, 200 training examples")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    parser.add_argument("--seeds", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--epochs", type=int, default=None, help="default 5 (2 with --quick)")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--methods", nargs="+", default=names(), choices=names())
    parser.add_argument("--anneal", type=float, default=None,
                        help="fraction of epochs on full data at the end, for the dynamic samplers "
                             "(default: each sampler's own); results go to prune_anneal<A>.*")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest on a busy machine)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: CUDA where present)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    datasets = [d for d in args.datasets if d != "nmnist-small" or nmnist_small_dir() is not None]
    if len(datasets) < len(args.datasets):
        print("nmnist-small skipped: not found beside the checkout (set SPIKESLIM_NMNIST_SMALL)")
    name = ("prune_quick" if args.quick else "prune") + ("" if args.anneal is None else f"_anneal{args.anneal:g}")
    seeds = args.seeds or (1 if args.quick else 3)
    config = TrainConfig(epochs=args.epochs or (2 if args.quick else 5), batch_size=64, lr=3e-3)
    out = Path(args.out)
    store = out / f"{name}_cells.json"
    done = {cell_key(c["dataset"], c["method"], c["keep"], c["seed"]): c for c in read_cells(store, config)}
    runner = Runner(config, 200 if args.quick else None, resolve_device(args.device), args.anneal)
    todo = plan_cells(datasets, args.methods, seeds)
    bar = tqdm(todo, desc="prune cells", unit="cell")
    for dataset, method, keep, seed in bar:
        key = cell_key(dataset, method, keep, seed)
        if key in done:
            continue
        bar.set_postfix_str(key)
        done[key] = runner.run(dataset, method, keep, seed)
        write_json(store, {"config": config.to_dict(), "model": MODEL, "frames": FRAMES, "cells": list(done.values())})
    rows = summarise(list(done.values()))
    columns = ["dataset", "keep", "method", "accuracy %", "seeds", "examples seen", "train s", "score s",
               "speed-up", "ideal", "of ideal"]
    notes = (f"convnet depth {MODEL['depth']} width {MODEL['width']}, T={FRAMES['T']}, downsample "
             f"{FRAMES['downsample']}, {config.epochs} epochs, batch {config.batch_size}, Adam lr {config.lr}, "
             f"cosine; anneal {'per-sampler default' if args.anneal is None else args.anneal}; {torch.get_num_threads()} CPU thread(s), device {runner.device}. Times: training epochs "
             "(no evaluation) + proxy scoring (static methods), median over seeds; speed-up vs the same "
             "seed's full-data run.\n\n" + verdicts(rows))
    write_report(out, name, rows, columns, title="Data pruning: accuracy and wall time", notes=notes)
    for path in plot(rows, out, name):
        print(f"wrote {path}")
    print((out / f"{name}.md").read_text())


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"done in {time.perf_counter() - start:.0f} s")
