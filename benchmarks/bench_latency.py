"""HSD low-latency benchmark under the protocol (docs/protocol.md): direct, TET and HSD at T = 1, 2, 4, 8.

Splits are the protocol's (5 folds of nmnist-small and digits-dvs, motion-dvs's 2,000-sample test
split), binned as the protocol bins them (equal time windows, full sensor size; the pre-protocol
run halved it) but into F = 16 frames, the teacher's. Every method's T frames are those 16 summed
in groups (`events.rebin`), which equals binning the events into T windows because T divides F.

The recipe is HSD's own, not the protocol's scnn recipe: HSD converts a QCFS ANN into an IF
network with the same weights, which scnn (LIF neurons) is not, so every method trains the same
QCFSNet (conv 16-32-64, batch norm, 2x2 average pooling) with Adam, lr 1e-3 to zero by cosine,
batch 32, no augmentation, for the pre-protocol benchmark's epochs: 3 for direct, TET and HSD's
teacher (on the F frames), then 3 of SKD fine-tuning per HSD student. Every method is one of
`spikeslim.latency.registry` (direct, tet, hsd) with options: `direct-long` is direct for 6
epochs, as many as HSD's teacher and student together; `hsd-ce` is hsd without the distillation
term (alpha 0); `hsd-snn` distils from a spiking teacher trained at F steps. `hsd` and `hsd-snn` cells
also yield the converted student before fine-tuning ("converted", "converted-snn"). HSD's own
choices (bound 2, batch norm kept, lr 1e-3; docs/hsd.md) predate the protocol: they came from
short digits-dvs trials, not from validation splits.

A cell is (dataset, split, method, T, seed, scale); a run (method, T, seed, scale) is complete when
every split has a cell. `scale` multiplies every epoch count above: the recipe curve
(bench_latency_recipe.py, validation carves only) found the 1x recipe far from converged and 4x
the best it tried, so 4x (`SCALE`) is the frozen default; the 1x cells stay in the store and the
report. HSD's train time includes its teacher's. The missing T of one (split, method, seed)
are trained by one `train_for_steps` call, so its teacher is trained once for all of them; cells
are saved as their group finishes in `<out>/latency_cells.json`, and `--max-minutes 0` only
rewrites the report.

    .venv/bin/python benchmarks/bench_latency.py [--datasets digits-dvs] [--steps 1 2] [--seeds 3]
        [--methods direct tet hsd direct-long hsd-ce hsd-snn] [--scale 4] [--max-minutes 60]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from spikeslim.bench.cells import CellStore
from spikeslim.bench.data import available
from spikeslim.bench.progress import cell_bar
from spikeslim.bench.protocol import PROTOCOLS, Split, SplitCache
from spikeslim.bench.summary import complete_runs, correct_string, paired_text, reported, split_names
from spikeslim.datasets.base import FrameSet
from spikeslim.datasets.loading import rebin_frameset
from spikeslim.latency.convert import convert
from spikeslim.latency.registry import METHODS as LATENCY
from spikeslim.latency.registry import train_for_steps
from spikeslim.report import format_mean_std, mean_std, plot_xy, write_report
from spikeslim.train import TrainConfig, evaluate, resolve_device
from spikeslim.train.plugins import RunContext

REPO = Path(__file__).resolve().parents[1]
F = 16  # the teacher's frames per sample
STEPS = (1, 2, 4, 8)
CHANNELS = (16, 32, 64)
EPOCHS = 3  # direct, TET and HSD's teacher
STUDENT_EPOCHS = 3  # SKD fine-tuning per HSD student
SCALE = 4  # epoch multiplier of the reported run, chosen on validation carves (bench_latency_recipe.py)
#: benchmark method -> (latency method, its options, epochs of the run's recipe); every network is QCFSNet `CHANNELS`
METHODS: dict[str, tuple[str, dict[str, Any], int]] = {
    "direct": ("direct", {}, EPOCHS),
    "tet": ("tet", {}, EPOCHS),
    "hsd": ("hsd", {"student_epochs": STUDENT_EPOCHS, "student_lr": 1e-3}, EPOCHS),
    "direct-long": ("direct", {}, EPOCHS + STUDENT_EPOCHS),
    "hsd-ce": ("hsd", {"student_epochs": STUDENT_EPOCHS, "student_lr": 1e-3, "alpha": 0.0}, EPOCHS),
    "hsd-snn": ("hsd", {"student_epochs": STUDENT_EPOCHS, "student_lr": 1e-3, "teacher": "snn"}, EPOCHS),
}
CONVERTED = {"hsd": "converted", "hsd-snn": "converted-snn"}
LABELS = {"hsd": "HSD, QCFS ANN teacher", "direct": "direct training at T", "tet": "TET at T",
          "direct-long": "direct at T, as many epochs as HSD's teacher + student",
          "hsd-ce": "HSD ablation: no SKD (alpha 0, CE only)", "hsd-snn": "HSD, SNN teacher",
          "converted": "converted ANN teacher, no fine-tuning",
          "converted-snn": "converted SNN teacher, no fine-tuning"}


def scaled(method: str, scale: int) -> tuple[str, dict[str, Any], int]:
    """A benchmark method's (latency method, options, epochs) with every epoch count `scale` times
    the recipe's: the recipe curve (bench_latency_recipe.py) trains the same methods longer."""
    name, extra, epochs = METHODS[method]
    if "student_epochs" in extra:
        extra = {**extra, "student_epochs": extra["student_epochs"] * scale}
    return name, extra, epochs * scale


def config(seed: int, epochs: int) -> TrainConfig:
    """HSD's recipe as a training config (the same for every method; only epochs vary, the loss is the method's)."""
    return TrainConfig(epochs=epochs, batch_size=32, lr=1e-3, optimizer="adam", schedule="cosine", seed=seed,
                       eval_every=epochs)


def plan(names_: list[str], methods: list[str], steps: list[int], seeds: int, scale: int) -> list[dict[str, Any]]:
    """Seed-major, so every method gets a complete first run before any gets a second."""
    return [{"dataset": name, "split": split, "method": method, "T": T, "seed": seed, "scale": scale}
            for seed in range(seeds) for name in names_ for split in split_names(name)
            for method in methods for T in steps]


def group(key: dict[str, Any]) -> tuple:
    """The cells one `train_for_steps` call trains together: every T of one key (split, method,
    seed, and whatever else the key holds)."""
    return tuple((k, v) for k, v in key.items() if k != "T")


def run_groups(store: CellStore, todo: list[dict[str, Any]], train: Callable[[dict[str, Any], list[int]], list],
               *, desc: str, max_minutes: float | None, after: Callable[[], None]) -> None:
    """Train the missing cells of `todo` a group at a time (`train(key, steps)` returns its
    (key, result) cells), saving them and calling `after` (the report) after each group; stop
    starting groups after `max_minutes`. The store is re-read first, so processes sharing it do
    not train a group twice."""
    start = time.perf_counter()
    for key in cell_bar(todo, desc):
        store.refresh()
        if key in store:  # another process's, or trained with an earlier cell of its group
            continue
        if max_minutes is not None and time.perf_counter() - start > 60 * max_minutes:
            print("--max-minutes reached; rerun to continue")
            break
        mine = group(key)
        for cell_key, result in train(key, [k["T"] for k in todo if group(k) == mine]):
            store.put(cell_key, result)
        after()


def scored(model: torch.nn.Module, test: FrameSet, device: torch.device, **extra: Any) -> dict[str, Any]:
    """A cell's result: per-sample correctness in split test order, per-step accuracy, `extra` (times)."""
    metrics = evaluate(model, test, device=device, predictions=True)
    correct = correct_string(metrics["predicted"], test.labels)
    return {"correct": correct, "per_step_accuracy": metrics["per_step_accuracy"], **extra}


class Runner:
    """Runs the cells on every dataset's splits at F frames, each split loaded once."""

    def __init__(self, device: str | None) -> None:
        self.device = device
        self.cache = SplitCache(T=F)

    def split(self, dataset: str, name: str) -> Split:
        return self.cache.get(dataset, name)

    def run(self, key: dict[str, Any], steps: list[int], *,
            split: Split | None = None) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """The cells of `key`'s group at `steps`: one per T, and for hsd / hsd-snn also the converted student.

        The method trains untested (its times are training alone); the networks it returns are
        scored here per sample. HSD's converted students are its teacher converted again, as HSD
        converts it before fine-tuning; its train time includes the teacher's. `split` replaces
        the key's protocol split (a validation carve); the key's `scale` multiplies every epoch count.
        """
        split = split if split is not None else self.split(key["dataset"], key["split"])
        name, extra, epochs = scaled(key["method"], key["scale"])
        options = {"channels": list(CHANNELS), **extra}
        run = RunContext(seed=key["seed"], device=self.device, progress=False, config=config(key["seed"], epochs))
        result = train_for_steps(name, split.train, steps, options=options, run=run)
        device, teacher = resolve_device(self.device), result.teacher
        if teacher is not None:
            teacher_s = teacher.row["train_time_s"]
            teacher_accuracy = evaluate(teacher.model, split.test, device=device)["accuracy"]
        cells = []
        for T, network in zip(steps, result.networks, strict=True):
            cell, test = {**key, "T": T}, rebin_frameset(split.test, T)
            if teacher is None:
                cells.append((cell, scored(network.model, test, device, train_s=network.row["train_time_s"])))
                continue
            if key["method"] in CONVERTED:
                student = convert(teacher.model, fold_bn=LATENCY.options(name, options).fold_bn)
                cells.append(({**cell, "method": CONVERTED[key["method"]]},
                              scored(student, test, device, train_s=teacher_s, teacher_accuracy=teacher_accuracy)))
            cells.append((cell, scored(network.model, test, device, train_s=teacher_s + network.row["train_time_s"],
                                       teacher_s=teacher_s, teacher_accuracy=teacher_accuracy)))
        return cells


def rows(store: CellStore, names_: list[str]) -> list[dict[str, Any]]:
    """One row per (dataset, scale, T, method) with a complete run, the frozen scale first; HSD
    against every other method of its scale, paired."""
    out = []
    for dataset in names_:
        runs = complete_runs(store, dataset, group=("method", "T", "scale"), pair=("seed",))
        order = sorted(runs.items(), key=lambda kv: (kv[0][2] != SCALE, kv[0][2], kv[0][1], list(LABELS).index(kv[0][0])))
        for (method, T, scale), mine in order:
            accs = [r["correct"].mean() for r in mine.values()]
            cells = [c for r in mine.values() for c in r["cells"]]
            text, ci = ("", None) if method == "hsd" else paired_text(runs.get(("hsd", T, scale), {}), mine)
            teacher = [sum(c["teacher_accuracy"] * len(c["correct"]) for c in r["cells"]) / len(r["correct"])
                       for r in mine.values()] if "teacher_accuracy" in cells[0] else []
            out.append({"dataset": dataset, "epochs ×": scale, "T": T, "method": LABELS[method], "runs": len(mine),
                        "accuracy (%)": format_mean_std(accs), "accuracies": accs, "hsd − method (points)": text,
                        "ci": ci, "teacher at F (%)": format_mean_std(teacher) if teacher else "",
                        "train time (s, per split)": f"{np.mean([c['train_s'] for c in cells]):.1f}"})
    return out


def write(store: CellStore, out: Path, names_: list[str]) -> None:
    table = rows(store, names_)
    columns = ["dataset", "epochs ×", "T", "method", "runs", "accuracy (%)", "hsd − method (points)", "teacher at F (%)",
               "train time (s, per split)"]
    notes = (f"Protocol splits and time binning (docs/protocol.md) at F={F} frames, summed into T; HSD's recipe, "
             f"not the protocol's: QCFSNet conv {'-'.join(map(str, CHANNELS))} (batch norm, IF neurons for SNNs), "
             f"Adam lr 1e-3 cosine, batch 32, no augmentation; 'epochs ×' times {EPOCHS} epochs for direct, TET and the "
             f"teacher (on the F frames), times {STUDENT_EPOCHS} SKD epochs per student (alpha 1, tau 2), times "
             f"{EPOCHS + STUDENT_EPOCHS} for direct-long; {SCALE}x is the frozen recipe (bench_latency_recipe.py, on "
             "validation), 1x the first run's. A run is one seed over every split; accuracy is mean ± std over complete runs. Intervals: "
             "paired 95% bootstrap of HSD − method over runs and test samples, * = excludes zero. Train time per "
             "split, HSD's including its teacher's, one torch thread on a shared 2-core CPU.")
    write_report(out, "latency", table, columns, title="Accuracy at few inference steps (HSD vs direct vs TET)",
                 notes=notes)
    for dataset in names_:
        series = {}
        reported_ = [r for r in table if r["dataset"] == dataset and r["epochs ×"] == SCALE]
        for label in dict.fromkeys(r["method"] for r in reported_):
            mine = sorted((r["T"], *mean_std(r["accuracies"])) for r in reported_ if r["method"] == label)
            series[label] = ([p[0] for p in mine], [100 * p[1] for p in mine], [100 * p[2] for p in mine])
        if series:
            plot_xy(out / f"latency_{dataset}.png", series, xlabel="inference time steps T (log)",
                    ylabel="test accuracy (%)", title=f"{dataset}: accuracy vs inference steps ({SCALE}x epochs)",
                    logx=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=list(PROTOCOLS), choices=list(PROTOCOLS))
    parser.add_argument("--methods", nargs="+", default=["direct", "tet", "hsd"], choices=list(METHODS))
    parser.add_argument("--steps", nargs="+", type=int, default=list(STEPS), help=f"inference T, each dividing F={F}")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--scale", type=int, default=SCALE, help="epoch multiplier (1: the first, unconverged run)")
    parser.add_argument("--max-minutes", type=float, default=None, help="start no new cell after this long")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default=None, help="cpu, cuda ... (default: cuda where present)")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    args = parser.parse_args()
    if any(T < 1 or F % T for T in args.steps):
        parser.error(f"--steps must divide F={F}, so that summing frames equals binning the events at T")
    if args.scale < 1:
        parser.error("--scale must be a positive integer")
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    names_ = [d.name for d in available(args.datasets)]
    store = CellStore(out / "latency_cells.json")
    todo = [k for k in plan(names_, args.methods, args.steps, args.seeds, args.scale) if k not in store]
    run_groups(store, todo, Runner(args.device).run, desc="latency cells", max_minutes=args.max_minutes,
               after=lambda: write(store, out, reported(store)))
    write(store, out, reported(store))
    print((out / "latency.md").read_text())


if __name__ == "__main__":
    main()
