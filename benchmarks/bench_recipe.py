"""Recipe benchmark: choose the protocol's evaluation recipe on validation data only.

For each dataset, the first split's training data is cut into fit / validation (80 / 20,
stratified). Convergence: validation accuracy of the protocol network trained on all of `fit`
and on a random IPC-10 subset of it, for step budgets 250..2000 (`--budgets` adds more), one seed; the chosen budget must
sit on the plateau of both curves. Variants at the chosen budget (narrower / wider network, no
augmentation, another learning rate) show what the choice of network costs or gains. No test
data is read. Cells are kept in `<out>/recipe_cells.json`; an interrupted run resumes.

    .venv/bin/python benchmarks/bench_recipe.py [--datasets nmnist-small digits-dvs motion-dvs]
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
from spikeslim.bench.protocol import get_protocol, splits, validation
from spikeslim.bench.summary import reported
from spikeslim.condense.evaluate import train_and_test
from spikeslim.report import plot_xy, write_report
from spikeslim.snn.models import ModelSpec

REPO = Path(__file__).resolve().parents[1]
BUDGETS = (250, 500, 1000, 2000)
VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "width 16": {"model": ModelSpec("scnn", {"width": 16})},
    "width 64": {"model": ModelSpec("scnn", {"width": 64})},
    "no augmentation": {"augment": None},
    "lr 5e-3": {"lr": 5e-3},
    "convnet w16 d2 (old)": {"model": ModelSpec("convnet", {"width": 16, "depth": 2})},
}


def ipc_subset(data, ipc: int, seed: int):
    rng = np.random.default_rng(seed)
    idx = np.concatenate([rng.permutation(np.flatnonzero(data.labels == c))[:ipc] for c in range(data.n_classes)])
    return data.subset(np.sort(idx))


def plan(names: list[str], budgets: tuple[int, ...] = BUDGETS, variants: bool = True) -> list[dict[str, Any]]:
    cells = [{"dataset": n, "data": d, "steps": s, "variant": "default"}
             for n in names for s in budgets for d in ("full", "ipc10")]
    if not variants:
        return cells
    cells += [{"dataset": n, "data": "full", "steps": 1000, "variant": v} for n in names for v in VARIANTS if v != "default"]
    return cells


def run(key: dict[str, Any]) -> dict[str, Any]:
    proto = get_protocol(key["dataset"])
    fit, val = validation(splits(proto, only=[0])[0].train)
    train = fit if key["data"] == "full" else ipc_subset(fit, 10, seed=0)
    recipe = dataclasses.replace(proto.recipe, steps=key["steps"], **VARIANTS[key["variant"]])
    r = train_and_test(train, val, recipe, seed=0, progress=False)
    return {"val_accuracy": r["accuracy"], "train_seconds": r["train_seconds"], "n_fit": len(train),
            "n_val": len(val), "epochs": recipe.epochs_for(len(train))}


def report(store: CellStore, names: list[str], out: Path) -> None:
    rows = []
    for name in names:
        series = {}
        for data in ("full", "ipc10"):
            cells = sorted(store.select(dataset=name, data=data, variant="default"), key=lambda c: c["key"]["steps"])
            if cells:
                series[data] = ([c["key"]["steps"] for c in cells], [100 * c["val_accuracy"] for c in cells], None)
        if series:
            plot_xy(out / f"recipe_{name}.png", series, xlabel="training steps (batch 32)",
                    ylabel="validation accuracy (%)", title=f"{name}: convergence of the protocol recipe", logx=True)
        for c in sorted(store.select(dataset=name), key=lambda c: (c["key"]["variant"], c["key"]["data"], c["key"]["steps"])):
            rows.append({"dataset": name, "variant": c["key"]["variant"], "data": c["key"]["data"],
                         "steps": c["key"]["steps"], "epochs": c["epochs"], "samples": c["n_fit"],
                         "validation accuracy (%)": f"{100 * c['val_accuracy']:.1f}",
                         "validation samples": c["n_val"], "train time (s)": f"{c['train_seconds']:.1f}"})
    write_report(out, "recipe", rows, title="Recipe selection on validation splits (no test data)",
                 notes="Default: scnn width 32 (2 strided conv + BN + LIF blocks), T=10 at full resolution, "
                       "Adam lr 2e-3 cosine, batch 32, shift augmentation (10%, no flip), one seed.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["nmnist-small", "digits-dvs", "motion-dvs"])
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--budgets", nargs="+", type=int, default=list(BUDGETS),
                        help="step budgets of the convergence curves (more extend a curve; cells kept resume)")
    parser.add_argument("--curves-only", action="store_true", help="no variant cells, only the convergence curves")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    names = [d.name for d in available(args.datasets)]
    store = CellStore(out / "recipe_cells.json")
    run_cells(store, plan(names, tuple(args.budgets), variants=not args.curves_only), run, desc="recipe cells",
              after=lambda: report(store, reported(store), out))
    report(store, reported(store), out)
    print((out / "recipe.md").read_text())


if __name__ == "__main__":
    main()
