"""HSD recipe curve: does the latency benchmark's recipe (3 epochs, then 3 of SKD) converge?

On validation data only: the first split's training data (at F = 16 frames, as bench_latency
bins it) is cut into fit / validation (80 / 20, stratified, `bench.protocol.validation`), and
direct training and HSD are trained on `fit` with every epoch count 1, 2 and 4 times
bench_latency's (direct 3 / 6 / 12 epochs; HSD's teacher and each student 3+3 / 6+6 / 12+12),
one seed, and scored on validation at T = 1, 2, 4, 8. The recipe is converged where the curves
have stopped rising at scale 1. No test data is read. Cells are kept in
`<out>/latency_recipe_cells.json`; an interrupted run resumes by (dataset, method, scale).

    .venv/bin/python benchmarks/bench_latency_recipe.py [--datasets digits-dvs] [--scales 1 2 4]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
from pathlib import Path
from typing import Any

import torch
from bench_latency import EPOCHS, F, LABELS, STEPS, STUDENT_EPOCHS, Runner, run_groups, scaled

from spikeslim.bench.cells import CellStore
from spikeslim.bench.data import available
from spikeslim.bench.protocol import PROTOCOLS, Split, get_protocol, splits, validation
from spikeslim.bench.summary import reported
from spikeslim.report import plot_xy, write_report

REPO = Path(__file__).resolve().parents[1]
SCALES = (1, 2, 4)
METHODS = ("direct", "hsd")


@functools.cache
def carve(dataset: str) -> Split:
    """The first split's training data at F frames, as (fit, validation)."""
    proto = dataclasses.replace(get_protocol(dataset), T=F)
    first = splits(proto, only=[0])[0]
    fit, val = validation(first.train)
    return Split("val", fit, val)


def plan(names: list[str], methods: list[str], scales: list[int]) -> list[dict[str, Any]]:
    """Scale-major: the recipe's own budget everywhere first, then the longer ones."""
    return [{"dataset": n, "split": "val", "method": m, "T": T, "seed": 0, "scale": s}
            for s in scales for n in names for m in methods for T in STEPS]


def epochs(method: str, scale: int) -> int:
    """Training epochs of one network of the method (HSD: teacher plus one student; its converted
    student: the teacher's alone), as `bench_latency.scaled` sets them."""
    _, extra, first = scaled("hsd" if method == "converted" else method, scale)
    return first + (extra["student_epochs"] if method == "hsd" else 0)


def rows(store: CellStore, names: list[str]) -> list[dict[str, Any]]:
    out = []
    for name in names:
        for c in sorted(store.select(dataset=name), key=lambda c: (c["key"]["method"], c["key"]["T"], c["key"]["scale"])):
            k = c["key"]
            out.append({"dataset": name, "method": LABELS[k["method"]], "T": k["T"], "scale": k["scale"],
                        "epochs": epochs(k["method"], k["scale"]),
                        "validation accuracy (%)": f"{100 * c['correct'].count('1') / len(c['correct']):.1f}",
                        "teacher at F (%)": f"{100 * c['teacher_accuracy']:.1f}" if "teacher_accuracy" in c else "",
                        "train time (s)": f"{c['train_s']:.1f}"})
    return out


def write(store: CellStore, out: Path, names: list[str]) -> None:
    notes = (f"Validation carve (20%, stratified) of each dataset's first split at F={F} frames; bench_latency's "
             f"recipe with every epoch count times the scale (1 = bench_latency: {EPOCHS} epochs, HSD {EPOCHS}+"
             f"{STUDENT_EPOCHS}); one seed, one torch thread on a shared 2-core CPU. 'epochs' counts one network's "
             "(HSD: teacher plus one student).")
    columns = ["dataset", "method", "T", "scale", "epochs", "validation accuracy (%)", "teacher at F (%)",
               "train time (s)"]
    write_report(out, "latency_recipe", rows(store, names), columns, title="Convergence of the latency recipe",
                 notes=notes)
    for name in names:
        series = {}
        for method in ("hsd", "direct"):
            for T in (1, 8):
                cells = sorted(store.select(dataset=name, method=method, T=T), key=lambda c: c["key"]["scale"])
                if cells:
                    series[f"{method} T={T}"] = ([c["key"]["scale"] for c in cells],
                                                 [100 * c["correct"].count("1") / len(c["correct"]) for c in cells],
                                                 None)
        teacher = sorted(store.select(dataset=name, method="hsd", T=1), key=lambda c: c["key"]["scale"])
        if teacher:
            series["HSD teacher at F"] = ([c["key"]["scale"] for c in teacher],
                                          [100 * c["teacher_accuracy"] for c in teacher], None)
        if series:
            plot_xy(out / f"latency_recipe_{name}.png", series, xlabel="epochs, times bench_latency's (log)",
                    ylabel="validation accuracy (%)", title=f"{name}: convergence of the latency recipe", logx=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(PROTOCOLS), choices=list(PROTOCOLS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--scales", nargs="+", type=int, default=list(SCALES), help="epoch multipliers")
    parser.add_argument("--max-minutes", type=float, default=None, help="start no new cell after this long")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default=None, help="cpu, cuda ... (default: cuda where present)")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args()
    if any(s < 1 for s in args.scales):
        parser.error("--scales must be positive integers")
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    names = [d.name for d in available(args.datasets)]
    store = CellStore(out / "latency_recipe_cells.json")
    runner = Runner(args.device)
    todo = [k for k in plan(names, args.methods, args.scales) if k not in store]
    run_groups(store, todo, lambda key, steps: runner.run(key, steps, split=carve(key["dataset"])),
               desc="latency recipe cells", max_minutes=args.max_minutes, after=lambda: write(store, out, reported(store)))
    write(store, out, reported(store))
    print((out / "latency_recipe.md").read_text())


if __name__ == "__main__":
    main()
