"""Data pruning benchmark under the protocol (docs/protocol.md): every sampler at keep 0.3/0.5/0.7.

A cell is (dataset, split, method, keep, seed, block): the protocol network trained on the split's
training data with the protocol's recipe (its epochs for the full split), the sampler choosing
each epoch's examples, and every test sample of the split scored. A run (method, keep, seed) is
complete when every split has a cell. The time charged is the training epochs (no evaluation)
plus, for the static methods, their proxy scoring. A *block* is one keep's run: per split, a
full-data reference, `sadp` at keep 1.0 (it trains on all data while scoring: its time against
full data is what the score costs), then every method at that keep. Speed-up is the block's own
full-data time over the run's time, summed over splits, beside the ideal 1/keep, so a ratio is
only ever taken between cells measured side by side; a block without its reference shows none.
(The store cannot tell when a cell ran: to re-time a block, move its cells to a side file first,
or its new reference would be set against old cells.)
Full-data training is seeded and reproducible on one machine (a re-trained group gives the same
accuracies), so accuracy against full data pairs with any block's.

Resumable: cells are kept in `<out>/prune_cells.json` as they finish.

    .venv/bin/python benchmarks/bench_prune.py [--datasets nmnist-small] [--keeps 0.5] [--seeds 1]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import torch

from spikeslim.bench.cells import CellStore, run_cells
from spikeslim.bench.data import available
from spikeslim.bench.protocol import PROTOCOLS, Split, SplitCache, get_protocol
from spikeslim.bench.summary import (accuracy_text, complete_runs, correct_string, paired_text, reported, split_names,
                                     time_to_accuracy)
from spikeslim.datasets.base import FrameSet
from spikeslim.prune import build_sampler, names
from spikeslim.prune.static import StaticSampler
from spikeslim.report import plot_xy, write_report
from spikeslim.train import TrainConfig, evaluate, fit, resolve_device
from spikeslim.train.plugins import RunContext

REPO = Path(__file__).resolve().parents[1]
KEEPS = (0.5, 0.3, 0.7)
STATIC = ("el2n", "grand", "forgetting")
FULL = "full data"


def config_for(dataset: str, train: FrameSet, seed: int) -> TrainConfig:
    """The protocol recipe as a training config: the epochs its step budget gives the full split."""
    r = get_protocol(dataset).recipe
    return TrainConfig(epochs=r.epochs_for(len(train)), batch_size=r.batch_size, lr=r.lr, augment=r.augment,
                       loss=r.loss, seed=seed)


def plan(names_: list[str], methods: list[str], keeps: list[float], seeds: int) -> list[dict[str, Any]]:
    cells = []
    for seed in range(seeds):
        for name in names_:
            for split in split_names(name):
                for keep in keeps:
                    key = {"dataset": name, "split": split, "seed": seed, "block": keep}
                    cells.append({**key, "method": FULL, "keep": 1.0})
                    if "sadp" in methods:
                        cells.append({**key, "method": "sadp", "keep": 1.0})
                    cells += [{**key, "method": m, "keep": keep} for m in methods]
    return cells


class Runner:
    """Trains cells, reusing loaded splits and each static method's proxy scores across keeps."""

    def __init__(self, device: torch.device) -> None:
        self.device = device  # proxies, training and testing alike
        self.splits = SplitCache()
        self.warm: set[str] = set()
        self.static: dict[tuple, StaticSampler] = {}

    def split(self, dataset: str, name: str) -> Split:
        split = self.splits.get(dataset, name)
        if dataset not in self.warm:
            self.warm.add(dataset)
            self.warm_up(dataset, split.train)
        return split

    def warm_up(self, dataset: str, train: FrameSet) -> None:
        """One untimed epoch on a few examples, so first-call costs land in no timed cell."""
        few = train.subset(np.arange(min(128, len(train))))
        config = dataclasses.replace(config_for(dataset, few, 0), epochs=1)
        warm = build_sampler("sadp", few, keep=1.0, run=RunContext(device=str(self.device)))
        network = get_protocol(dataset).recipe.model
        fit(network.build(few.shape[1:], few.n_classes, seed=0), few, config, sampler=warm, device=self.device,
            progress=False)

    def run(self, key: dict[str, Any]) -> dict[str, Any]:
        split = self.split(key["dataset"], key["split"])
        config = config_for(key["dataset"], split.train, key["seed"])
        network = get_protocol(key["dataset"]).recipe.model
        sampler = None
        run = RunContext(seed=key["seed"], device=str(self.device), progress=False, config=config, model=network)
        if key["method"] in STATIC:
            skey = (key["dataset"], key["split"], key["method"], key["seed"])
            if skey not in self.static:
                self.static[skey] = build_sampler(key["method"], split.train, keep=key["keep"], run=run)
            scored = self.static[skey]
            sampler = StaticSampler(scored.scores, split.train.labels, keep=key["keep"], seed=key["seed"],
                                    score_time_s=scored.score_time_s)
        elif key["method"] != FULL:
            sampler = build_sampler(key["method"], split.train, keep=key["keep"], run=run)
        model = network.build(split.train.shape[1:], split.train.n_classes, seed=key["seed"])
        result = fit(model, split.train, config, sampler=sampler, device=self.device, progress=False)
        predicted = evaluate(model, split.test, device=self.device, predictions=True)["predicted"]
        return {"correct": correct_string(predicted, split.test.labels),
                "train_s": result.wall_time_s, "score_s": getattr(sampler, "score_time_s", 0.0),
                "examples_seen": result.examples_seen, "epochs": config.epochs}


def rows(store: CellStore, names_: list[str]) -> list[dict[str, Any]]:
    out = []
    for dataset in names_:
        runs = complete_runs(store, dataset, group=("method", "keep", "block"), pair=("seed",))
        any_full = {run: r for (m, _, _), by_run in runs.items() if m == FULL for run, r in by_run.items()}
        for (method, keep, block), mine in sorted(runs.items(), key=lambda kv: (-kv[0][2], -kv[0][1], kv[0][0])):
            full = runs.get((FULL, 1.0, block), {})
            time_of = {run: sum(c["train_s"] + c["score_s"] for c in r["cells"]) for run, r in mine.items()}
            speedups = [sum(c["train_s"] for c in full[run]["cells"]) / t for run, t in time_of.items() if run in full]
            label = "sadp (scores, all data)" if method == "sadp" and keep == 1.0 else method
            row = {"dataset": dataset, "block": block, "keep": keep, "method": label, "runs": len(mine),
                   "accuracy (%)": accuracy_text([r["correct"].mean() for r in mine.values()]),
                   "acc_mean": float(np.mean([r["correct"].mean() for r in mine.values()])),
                   "sadp − method (points)": "", "vs full data (points)": "",
                   "time (s, all splits)": f"{np.mean(list(time_of.values())):.0f}", "time_s": float(np.mean(list(time_of.values()))),
                   "speed-up": f"{np.mean(speedups):.2f}x" if speedups else "", "ideal": f"{1 / keep:.2f}x",
                   "time_fraction": 1 / float(np.mean(speedups)) if speedups else None,
                   "examples seen": int(np.mean([sum(c["examples_seen"] for c in r["cells"]) for r in mine.values()]))}
            if keep < 1.0:
                if method != "sadp":
                    row["sadp − method (points)"] = paired_text(runs.get(("sadp", keep, block), {}), mine)[0]
                row["vs full data (points)"] = paired_text(mine, any_full)[0]
            out.append(row)
    return out


def write(store: CellStore, out: Path, names_: list[str]) -> None:
    table = rows(store, names_)
    columns = ["dataset", "block", "keep", "method", "runs", "accuracy (%)", "sadp − method (points)", "vs full data (points)",
               "speed-up", "ideal", "time (s, all splits)", "examples seen"]
    write_report(out, "prune", table, columns, title="Data pruning under the protocol",
                 notes="Protocol: docs/protocol.md (network, recipe and splits; epochs = the recipe's for the full "
                       "split). A run is one seed over every split. Intervals: paired 95% bootstrap over runs and test "
                       "samples, * = excludes zero. Time: training epochs plus proxy scoring, one torch thread on a "
                       "shared 2-core CPU; speed-up against the same seed's full-data runs of the same block (a "
                       "block is one keep's run with its own references; none shown where a block has none).")
    for dataset in names_:
        mine = [r for r in table if r["dataset"] == dataset and r["keep"] < 1.0 and r["time_fraction"] is not None]
        series = {}
        for method in dict.fromkeys(r["method"] for r in mine):
            pts = sorted((r["time_fraction"], 100 * r["acc_mean"]) for r in mine if r["method"] == method)
            series[method] = ([p[0] for p in pts], [p[1] for p in pts], None)
        full = [r for r in table if r["dataset"] == dataset and r["method"] == FULL]
        if series and full:
            series[FULL] = ([1.0], [100 * full[0]["acc_mean"]], None)
            plot_xy(out / f"prune_{dataset}.png", series,
                    xlabel="training time incl. scoring, fraction of the block's full-data time",
                    ylabel="test accuracy (%)", title=f"{dataset}: pruning, each keep against its own reference")
        condense = CellStore(out / "condense_cells.json") if (out / "condense_cells.json").exists() else None
        time_to_accuracy(out / f"time_to_accuracy_{dataset}.png", dataset, condense=condense, prune=store, full=FULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(PROTOCOLS), choices=list(PROTOCOLS))
    parser.add_argument("--methods", nargs="+", default=names(), choices=names())
    parser.add_argument("--keeps", nargs="+", type=float, default=list(KEEPS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-minutes", type=float, default=None, help="start no new cell after this long")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: CUDA where present)")
    parser.add_argument("--reverse", action="store_true", help="work from the last cell back (a second process)")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    names_ = [d.name for d in available(args.datasets)]
    store = CellStore(out / "prune_cells.json")
    runner = Runner(resolve_device(args.device))
    run_cells(store, plan(names_, args.methods, args.keeps, args.seeds), runner.run, desc="prune cells",
              max_minutes=args.max_minutes, reverse=args.reverse, after=lambda: write(store, out, reported(store)))
    write(store, out, reported(store))
    print((out / "prune.md").read_text())


if __name__ == "__main__":
    main()
