"""Trainer benchmark: what `spikeslim train` with its defaults reaches, and in how long.

Each cell is one `train_run` (exactly what `spikeslim train --dataset D --augment --out ...`
runs, every other flag at its default) on a dataset's official train/test split, one seed. This
is the comparison with the field's numbers; the cross-validated full-data accuracy of the
protocol is in bench_condense's "full data" rows. The report gives mean ± std over seeds, the
binomial standard error of one run's test split, and the wall time.

Resumable: finished cells are kept in `<out>/train_cells.json`; an interrupted cell continues from
its checkpoint in `--work`.

    .venv/bin/python benchmarks/bench_train.py [--datasets ...] [--seeds 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from spikeslim.bench.cells import CellStore, run_cells
from spikeslim.bench.data import NAMES, Located, available
from spikeslim.bench.stats import binomial_se
from spikeslim.bench.summary import accuracy_text
from spikeslim.cli import build_parser
from spikeslim.datasets import FrameSpec
from spikeslim.report import write_report
from spikeslim.snn.models import ModelSpec
from spikeslim.train import FrameAugment, TrainConfig
from spikeslim.train.run import train_run

REPO = Path(__file__).resolve().parents[1]


def cli_defaults() -> argparse.Namespace:
    """`spikeslim train`'s own defaults, read from its parser so the benchmark cannot drift."""
    return build_parser().parse_args(["train", "--dataset", "digits-dvs", "--augment", "--out", "-"])


def run_cell(where: Located, seed: int, work: Path) -> dict[str, Any]:
    a = cli_defaults()
    config = TrainConfig(epochs=a.epochs, batch_size=a.batch_size, lr=a.lr, optimizer=a.optimizer,
                         weight_decay=a.weight_decay, schedule=a.schedule, loss=a.loss,
                         augment=FrameAugment(flip=a.flip, shift=0.1), seed=seed)
    data = FrameSpec.of(where.dataset, T=a.T, binning=a.binning, downsample=a.downsample, data_dir=where.data_dir)
    r = train_run(data=data, model=ModelSpec(a.model), config=config, out=work / f"{where.name}-s{seed}",
                  resume=True, progress=False)
    return {"accuracy": r["accuracy"], "n_train": r["n_train"], "n_test": r["n_test"],
            "wall_time_s": r["wall_time_s"], "spike_rate": r.get("spike_rate"), "model": a.model,
            "epochs": a.epochs, "lr": a.lr, "history": [h["test_accuracy"] for h in r["history"]]}


def rows(store: CellStore) -> list[dict[str, Any]]:
    out = []
    for name in NAMES:
        cells = store.select(dataset=name)
        if cells:
            accs = [c["accuracy"] for c in cells]
            out.append({"dataset": name, "seeds": len(cells), "train / test": f"{cells[0]['n_train']} / {cells[0]['n_test']}",
                        "test accuracy (%)": accuracy_text(accs),
                        "one run's standard error (points)": f"{100 * binomial_se(float(np.mean(accs)), cells[0]['n_test']):.1f}",
                        "wall time (min)": f"{np.mean([c['wall_time_s'] for c in cells]) / 60:.1f}"})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(NAMES), choices=list(NAMES))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "spikeslim-bench-train"),
                        help="checkpoints of the runs (not part of the results)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    store = CellStore(out / "train_cells.json")
    data = {d.name: d for d in available(args.datasets)}
    plan = [{"dataset": n, "seed": s} for s in range(args.seeds) for n in data]
    run_cells(store, plan, lambda key: run_cell(data[key["dataset"]], key["seed"], Path(args.work)), desc="train cells")
    a = cli_defaults()
    write_report(out, "train", rows(store), title="`spikeslim train` with its defaults, official splits",
                 notes=f"Command: `spikeslim train --dataset D --augment --out DIR` (model {a.model}, {a.epochs} epochs, "
                       f"batch {a.batch_size}, Adam lr {a.lr} cosine, shifts up to 10%), T and size the dataset's. "
                       f"One thread of a shared 2-core CPU; wall time includes a test evaluation each epoch.")
    print((out / "train.md").read_text())


if __name__ == "__main__":
    main()
