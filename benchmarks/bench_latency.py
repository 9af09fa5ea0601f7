"""Accuracy at few inference steps: direct training at T, TET at T, and HSD, for T = 1, 2, 4, 8.

All three train the same VGG-style network on the same events: each sample is binned once into
F = 16 time frames, and every method's T frames are those summed in groups (`latency.rebin`).
Direct training and TET train the spiking network (IF neurons, batch norm) from scratch at T
with the trainer's "mean" and "tet" losses; HSD trains the QCFS ANN teacher on the 16 frames,
converts it and fine-tunes one student per T with the step-wise distillation loss. Extra rows
answer the obvious objections: `direct-long` trains as many epochs as HSD's teacher and student
together, `hsd-ce` drops the distillation term (alpha 0), `hsd-snn` uses an SNN teacher.

Every finished cell (dataset, seed, method, T) is stored in `<out>/latency_cells.json`, so an
interrupted run resumes where it stopped; HSD's teacher and students also checkpoint in --work.

    .venv/bin/python benchmarks/bench_latency.py            # direct, TET, HSD: 27 min on a busy 2-core CPU
    .venv/bin/python benchmarks/bench_latency.py --methods hsd-snn       # then each extra row (~15 min):
    .venv/bin/python benchmarks/bench_latency.py --methods direct-long   # every run adds its cells and
    .venv/bin/python benchmarks/bench_latency.py --methods hsd-ce        # rewrites the whole report
    .venv/bin/python benchmarks/bench_latency.py --quick    # smoke run: 1 seed, 64 samples, 1 epoch
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from spikeslim.bench.report import format_mean_std, mean_std, plot_xy, write_report
from spikeslim.datasets import load_frames
from spikeslim.datasets.base import FrameSet
from spikeslim.files import write_json
from spikeslim.latency.model import QCFSNet
from spikeslim.latency.pipeline import HSDConfig, run_hsd
from spikeslim.latency.rebin import rebin_frameset
from spikeslim.train import TrainConfig, fit

REPO = Path(__file__).resolve().parents[1]
NMNIST_SMALL = Path(os.environ.get("SPIKESLIM_NMNIST_SMALL", REPO / ".." / "shared" / "data" / "nmnist-small"))
#: benchmark name -> (registered dataset, data folder or None for embedded ones)
DATASETS: dict[str, tuple[str, Path | None]] = {
    "motion-dvs": ("motion-dvs", None),
    "digits-dvs": ("digits-dvs", None),
    "nmnist-small": ("nmnist", NMNIST_SMALL),
}
METHODS = ("direct", "direct-long", "tet", "hsd", "hsd-ce", "hsd-snn")
LABELS = {"direct": "direct training at T", "direct-long": "direct at T, as many epochs as HSD's teacher + student",
          "tet": "TET at T", "hsd": "HSD, QCFS ANN teacher",
          "hsd-ce": "HSD ablation: no SKD (alpha 0, CE only)",
          "hsd-snn": "HSD, SNN teacher", "converted": "converted ANN teacher, no fine-tuning",
          "converted-snn": "converted SNN teacher, no fine-tuning"}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke run: 1 seed, 64 samples, 1 epoch each")
    p.add_argument("--report-only", action="store_true", help="write the report from the cells finished so far")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "results"), help="folder for latency.json/.md/.png")
    p.add_argument("--work", default=None, help="HSD checkpoints (default ~/.cache/spikeslim/bench_latency)")
    p.add_argument("--datasets", default=",".join(DATASETS), help="comma-separated subset of " + ", ".join(DATASETS))
    p.add_argument("--methods", default="direct,tet,hsd", help="comma-separated subset of " + ", ".join(METHODS))
    p.add_argument("--steps", default="1,2,4,8", help="inference step counts T")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--frames", type=int, default=16, help="F, the teacher's frames per sample")
    p.add_argument("--downsample", type=int, default=2, help="divide x and y by this (CPU budget)")
    p.add_argument("--channels", default="16,32,64", help="conv widths of the shared network")
    p.add_argument("--epochs", type=int, default=3, help="epochs of direct, TET and the HSD teacher")
    p.add_argument("--student-epochs", type=int, default=3, help="SKD fine-tuning epochs per HSD student")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (the machine is shared)")
    p.add_argument("--device", default=None, help="cpu, cuda ... (default: cuda where present)")
    args = p.parse_args()
    if args.quick:
        args.seeds, args.epochs, args.student_epochs = 1, 1, 1
    return args


def load(name: str, T: int, downsample: int, limit: int | None) -> tuple[FrameSet, FrameSet]:
    dataset, data_dir = DATASETS[name]
    if data_dir is not None and not data_dir.is_dir():
        raise SystemExit(f"{name}: {data_dir} is absent (set SPIKESLIM_NMNIST_SMALL or drop it from --datasets)")
    train, test = (load_frames(dataset, split, T=T, downsample=downsample, data_dir=data_dir, progress=False)
                   for split in ("train", "test"))
    return (train.subset(range(limit)), test.subset(range(limit))) if limit else (train, test)


def train_direct(method: str, train: FrameSet, test: FrameSet, config: TrainConfig, model_kwargs: dict[str, Any],
                 device: str | None) -> dict[str, Any]:
    """A spiking network trained from scratch at the data's T with the trainer's loss `method`."""
    torch.manual_seed(config.seed)
    net = QCFSNet(train.shape[1:], train.n_classes, spiking=True, batch_norm=True, **model_kwargs)
    config = replace(config, loss="tet" if method == "tet" else "mean")
    result = fit(net, train, config, test=test, device=device, progress=False)
    return {"accuracy": result.final["accuracy"], "per_step_accuracy": result.final["per_step_accuracy"],
            "train_time_s": result.wall_time_s}


def train_hsd(method: str, train: FrameSet, test: FrameSet, base: TrainConfig, args: argparse.Namespace,
              work: Path) -> dict[int, dict[str, Any]]:
    """One teacher on F frames and a student per T; cells keyed by T.

    The ablation "hsd-ce" reuses the "hsd" teacher of the same seed (training it again would give
    the same weights: CPU runs are deterministic) and fine-tunes with cross-entropy only.
    """
    shared_teacher = work.parents[1] / "hsd" / work.name / "teacher.pt"
    if method == "hsd-ce" and shared_teacher.exists() and not (work / "teacher.pt").exists():
        work.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared_teacher, work / "teacher.pt")
    config = HSDConfig(train_frames=args.frames, teacher_kind="snn" if method == "hsd-snn" else "ann",
                       alpha=0.0 if method == "hsd-ce" else 1.0,
                       steps=tuple(int(s) for s in args.steps.split(",")),
                       channels=tuple(int(c) for c in args.channels.split(",")), teacher=base,
                       student=replace(base, epochs=args.student_epochs, eval_every=args.student_epochs))
    summary = run_hsd(train, test, config, out_dir=work, device=args.device, resume=True, progress=False)
    teacher = summary["teacher"]
    return {s["T"]: {"accuracy": s["hsd_accuracy"], "per_step_accuracy": s["per_step_accuracy"],
                     "converted_accuracy": s["converted_accuracy"], "teacher_accuracy": teacher["accuracy"],
                     "train_time_s": teacher["wall_time_s"] + s["finetune_time_s"]} for s in summary["students"]}


def run_cells(args: argparse.Namespace, cells: dict[str, Any], cells_path: Path) -> None:
    """Seeds outermost, so a run cut short still covers every dataset and method."""
    steps = [int(s) for s in args.steps.split(",")]
    names, methods = args.datasets.split(","), args.methods.split(",")
    work = Path(args.work or Path.home() / ".cache" / "spikeslim" / "bench_latency")
    work = work / ("quick" if args.quick else "full")
    todo = [(n, s, m, T) for s in range(args.seeds) for n in names for m in methods for T in steps]
    bar = tqdm(total=len(todo), unit="cell", desc="latency")
    bar.update(sum(key(*c) in cells for c in todo))
    for seed in range(args.seeds):
        for name in names:
            if all(key(name, seed, m, T) in cells for m in methods for T in steps):
                continue
            fine_train, fine_test = load(name, args.frames, args.downsample, 64 if args.quick else None)
            base = TrainConfig(epochs=args.epochs, batch_size=32, lr=1e-3, seed=seed, eval_every=args.epochs)
            for method in [m for m in methods if m.startswith("hsd")]:
                if all(key(name, seed, method, T) in cells for T in steps):
                    continue
                bar.set_postfix_str(f"{name} seed {seed} {method}")
                run_dir = work / name / method / str(seed)
                for T, cell in train_hsd(method, fine_train, fine_test, base, args, run_dir).items():
                    cells[key(name, seed, method, T)] = cell
                    bar.update()
                write_json(cells_path, cells)
            for T in steps:
                train, test = rebin_frameset(fine_train, T), rebin_frameset(fine_test, T)
                for method in [m for m in methods if not m.startswith("hsd")]:  # interleaved per T
                    if key(name, seed, method, T) in cells:
                        continue
                    bar.set_postfix_str(f"{name} seed {seed} {method} T={T}")
                    model_kwargs = dict(channels=[int(c) for c in args.channels.split(",")], bound=HSDConfig.bound,
                                        ref_frames=args.frames)
                    config = base if method != "direct-long" else replace(
                        base, epochs=args.epochs + args.student_epochs, eval_every=args.epochs + args.student_epochs)
                    cells[key(name, seed, method, T)] = train_direct(method, train, test, config, model_kwargs,
                                                                     args.device)
                    write_json(cells_path, cells)
                    bar.update()
    bar.close()


def key(name: str, seed: int, method: str, T: int) -> str:
    return f"{name}|seed{seed}|{method}|T{T}"


def values(cells: dict[str, Any], dataset: str, method: str, T: int, field: str) -> list[float]:
    return [v[field] for k, v in cells.items() if k.startswith(f"{dataset}|") and k.endswith(f"|{method}|T{T}")]


def summarise(args: argparse.Namespace, cells: dict[str, Any], out: Path, name: str) -> None:
    """One row per (dataset, method): accuracy mean ± std over seeds at each T; a plot per dataset."""
    steps = [int(s) for s in args.steps.split(",")]
    rows, columns = [], ["dataset", "method"] + [f"T={T}" for T in steps] + ["seeds", "train s (T=1)"]
    variants = [(m, m, "accuracy") for m in METHODS] + [("converted", "hsd", "converted_accuracy"),
                                                        ("converted-snn", "hsd-snn", "converted_accuracy")]
    for dataset in args.datasets.split(","):
        series = {}
        for label_key, method, field in variants:
            per_T = {T: values(cells, dataset, method, T, field) for T in steps}
            if not any(per_T.values()):
                continue
            row: dict[str, Any] = {"dataset": dataset, "method": LABELS[label_key]}
            for T, vals in per_T.items():
                row[f"T={T}"] = format_mean_std(vals) if vals else "-"
                row[f"accuracy_T{T}"] = vals
            row["seeds"] = max(len(v) for v in per_T.values())
            times = values(cells, dataset, method, 1, "train_time_s")
            row["train s (T=1)"] = f"{np.median(times):.0f}" if times and method == label_key else ""
            rows.append(row)
            done = [T for T in steps if per_T[T]]
            stats = [mean_std(per_T[T]) for T in done]
            series[LABELS[label_key]] = (done, [100 * m for m, _ in stats], [100 * s for _, s in stats])
        if series:
            plot_xy(out / f"{name}_{dataset}.png", series, xlabel="inference time steps T", ylabel="test accuracy (%)",
                    title=f"{dataset}: accuracy vs inference steps", logx=True)
    teachers = {f"{d} ({m})": [round(100 * a, 1) for a in values(cells, d, m, steps[0], "teacher_accuracy")]
                for d in args.datasets.split(",") for m in METHODS if m.startswith("hsd")
                and values(cells, d, m, steps[0], "teacher_accuracy")}
    notes = (f"Test accuracy (%), mean ± std over seeds. One network for all methods: conv {args.channels} "
             f"(3x3, batch norm, 2x2 avg pooling), input downsampled x{args.downsample}, events binned once into "
             f"F={args.frames} time frames and summed into T. Direct/TET: IF neurons trained from scratch "
             f"{args.epochs} epochs at T ({args.epochs + args.student_epochs} for direct-long). HSD: teacher trained {args.epochs} epochs on the F frames, converted, "
             f"SKD-fine-tuned {args.student_epochs} epochs at T (alpha 1, tau 2); its train time includes the "
             f"teacher's. Train times are medians over seeds on a shared CPU. Teacher accuracy per seed: "
             f"{teachers}." + (" QUICK SMOKE RUN (64 samples)." if args.quick else ""))
    write_report(out, name, rows, columns, title="Accuracy at few inference steps (HSD vs direct vs TET)", notes=notes)


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    name = "latency_quick" if args.quick else "latency"
    cells_path = out / f"{name}_cells.json"
    cells = json.loads(cells_path.read_text()) if cells_path.exists() else {}
    start = time.perf_counter()
    if not args.report_only:
        run_cells(args, cells, cells_path)
    summarise(args, cells, out, name)
    print(f"done in {time.perf_counter() - start:.0f} s; results in {out / (name + '.md')}")


if __name__ == "__main__":
    main()
