"""Trainer benchmark: test accuracy of `convnet` trained by `spikeslim train` on the full nmnist-small
training set (1,000 real N-MNIST recordings, tested on its 100) and on digits-dvs (1,437 / 360).

Every cell is one `train_run` (exactly what `spikeslim train` runs) with one fixed, modest recipe
(RECIPE, MODEL, FRAMES below) and one seed; the report gives each seed and the mean ± std.
Wall time includes the per-epoch test evaluation. Cells run seed-major, datasets interleaved.

Resumable: finished cells are kept in `<out>/train_cells.json` (`train_quick_cells.json` with
`--quick`) and skipped on the next run; an interrupted cell continues from its checkpoint in
`--work`. Delete both to start afresh.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tqdm import tqdm

from spikeslim.bench.report import format_mean_std, write_report
from spikeslim.files import write_json
from spikeslim.train import TrainConfig
from spikeslim.train.run import train_run

REPO = Path(__file__).resolve().parents[1]
RECIPE = {"epochs": 4, "batch_size": 32, "lr": 5e-3, "optimizer": "adam", "schedule": "cosine", "loss": "mean"}
MODEL = {"depth": 2, "width": 16}
FRAMES = {"T": 8, "binning": "time", "downsample": 2}


def nmnist_small_dir() -> Path | None:
    env = os.environ.get("SPIKESLIM_NMNIST_SMALL")
    path = Path(env) if env else REPO / ".." / "shared" / "data" / "nmnist-small"
    return path.resolve() if (path / "Train").is_dir() else None


def datasets() -> dict[str, tuple[str, Path | None]]:
    """Benchmark name -> (registered dataset, data dir); nmnist-small only where it is present."""
    found = {"digits-dvs": ("digits-dvs", None)}
    small = nmnist_small_dir()
    if small is None:
        print("nmnist-small not found (set SPIKESLIM_NMNIST_SMALL): skipping it")
    else:
        found = {"nmnist-small": ("nmnist", small), **found}
    return found


def run_cell(name: str, dataset: str, data_dir: Path | None, seed: int, epochs: int, work: Path, device: str | None) -> dict[str, Any]:
    config = TrainConfig(**{**RECIPE, "epochs": epochs}, seed=seed)
    r = train_run(dataset=dataset, model="convnet", model_kwargs=MODEL, config=config, out=work / f"{name}-s{seed}",
                  data_dir=None if data_dir is None else str(data_dir), device=device, resume=True, progress=False,
                  **FRAMES)
    return {
        "dataset": name, "seed": seed, "n_train": r["n_train"], "n_test": r["n_test"],
        "accuracy": r["accuracy"], "accuracy_at_T1": r["per_step_accuracy"][0],
        "spike_rate": r.get("spike_rate"), "wall_time_s": r["wall_time_s"], "device": r["device"],
    }


def summary(cells: list[dict[str, Any]], names: list[str]) -> list[dict[str, Any]]:
    rows = []
    for name in names:
        mine = [c for c in cells if c["dataset"] == name]
        if mine:
            rows.append({"dataset": name, "seeds": len(mine),
                         "test accuracy % (mean ± std)": format_mean_std([c["accuracy"] for c in mine]),
                         "wall time s (mean)": sum(c["wall_time_s"] for c in mine) / len(mine)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 seed, 1 epoch: a smoke run")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "spikeslim-bench-train"),
                        help="checkpoints of the runs (not part of the results)")
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    seeds, epochs = (1, 1) if args.quick else (args.seeds, RECIPE["epochs"])
    name = "train_quick" if args.quick else "train"
    out, work = Path(args.out), Path(args.work) / name
    partial = out / f"{name}_cells.json"
    cells: list[dict[str, Any]] = json.loads(partial.read_text())["cells"] if partial.exists() else []
    done = {(c["dataset"], c["seed"]) for c in cells}
    data = datasets()
    plan = [(n, s) for s in range(seeds) for n in data if (n, s) not in done]
    for n, seed in tqdm(plan, desc="train cells", unit="run"):
        cells.append(run_cell(n, *data[n], seed, epochs, work, args.device))
        write_json(partial, {"cells": cells})
    recipe = (f"convnet {MODEL}, frames {FRAMES}, {epochs} epochs, batch {RECIPE['batch_size']}, "
              f"{RECIPE['optimizer']} lr {RECIPE['lr']} {RECIPE['schedule']}, loss {RECIPE['loss']}, no augmentation")
    cells.sort(key=lambda c: (c["dataset"], c["seed"]))
    write_report(out, f"{name}_seeds", cells, title="convnet per seed", notes=f"Recipe: {recipe}.")
    rows = summary(cells, list(data))
    write_report(out, name, rows, title="convnet test accuracy (spikeslim train)",
                 notes=f"Recipe: {recipe}. Device: {cells[0]['device'] if cells else '-'}; "
                       "wall time includes a test evaluation after every epoch.")
    print((out / f"{name}.md").read_text())


if __name__ == "__main__":
    main()
