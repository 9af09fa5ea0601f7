"""`spikeslim demo`: the whole story on an embedded dataset, in minutes on a laptop CPU.

Train on the full training set (the reference), condense it to `ipc` samples per class with PACE,
with herding (the strongest coreset under the protocol) and with random real samples (the
baseline every method must beat), train fresh networks on each set, and write one Markdown
table and one PNG plot: accuracy against training time, with storage beside it. Every stage
leaves a file in the output folder, so `--resume` skips the finished ones (and PACE continues
from its checkpoint).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spikeslim.condense.evaluate import EvalRecipe, evaluate_set, reference, summary_row
from spikeslim.condense.distill import checkpoint_folder, distill
from spikeslim.datasets import load_frames
from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.datasets.setfile import load_set
from spikeslim.files import write_json
from spikeslim.progress import progress_bar
from spikeslim.report import format_mean_std, plot_xy, write_report
from spikeslim.safeio import cached_json

#: What a cached evaluation row must hold to be reused by `--resume` (else it is recomputed).
EVAL_KEYS = ("method", "ipc", "n_samples", "model", "accuracies", "acc_mean", "acc_std", "train_seconds",
             "set_file_bytes", "full_events_bytes", "events_storage_ratio", "frames_storage_ratio", "condense_seconds")
COLUMNS = ("method", "IPC", "samples", "accuracy (%)", "train time (s)", "time saved", "condense time (s)",
           "stored (bytes)", "storage saved (events)")


@dataclass(frozen=True)
class DemoConfig:
    """What the demo runs: PACE's defaults against the best coreset and random real samples,
    evaluated with the protocol's recipe (docs/protocol.md) at half the sensor size, which makes
    each training run 4x cheaper on a CPU (the protocol's figures are at full size)."""

    dataset: str = "digits-dvs"
    ipc: int = 10
    T: int | None = None  # the dataset's default
    downsample: int = 2
    seed: int = 0
    methods: dict[str, dict[str, Any]] = field(default_factory=lambda: {"pace": {}, "herding": {}, "random": {}})
    recipe: EvalRecipe = field(default_factory=lambda: EvalRecipe(seeds=2))


def run_demo(out: str | Path = "runs/demo", config: DemoConfig = DemoConfig(), *, resume: bool = False,
             device: Any = None, data_dir: Path | None = None, cache_dir: Path | None = None,
             progress: bool = True) -> dict[str, Path]:
    """Run every stage into `out`; return the paths of the table, the plot and the rows' JSON.

    Without `resume` every stage is recomputed (earlier files are overwritten).
    """
    out = Path(out)
    ref_dir = out / "reference"
    if not resume:
        for stale in ref_dir.glob("reference-*.json"):
            stale.unlink()
        for method in config.methods:
            shutil.rmtree(checkpoint_folder(set_file(out, method, config)), ignore_errors=True)
    stages = progress_bar(total=2 + 2 * len(config.methods), desc="demo", unit="stage", disable=not progress,
                          interval=0)
    stages.set_postfix_str(f"loading {config.dataset}")
    data = FrameSpec.of(config.dataset, T=config.T, downsample=config.downsample, data_dir=data_dir)
    train, test = (load_frames(data, split, cache_dir=cache_dir, progress=progress) for split in ("train", "test"))
    stages.update()
    stages.set_postfix_str("training on the full training set")
    full = reference(train, test, config.recipe, seeds=1, cache_dir=ref_dir, device=device, progress=progress)
    stages.update()
    rows = []
    for method, options in config.methods.items():
        stages.set_postfix_str(f"condensing with {method}")
        set_path = condensed_file(out, method, options, config, data, resume=resume, device=device, progress=progress,
                                  cache_dir=cache_dir)
        stages.update()
        stages.set_postfix_str(f"training on the {method} set")
        rows.append(evaluated_row(set_path, config, resume=resume, ref_dir=ref_dir, data_dir=data_dir,
                                  cache_dir=cache_dir, device=device, progress=progress))
        stages.update()
    stages.close()
    table = [full_row(full, rows[0]["full_events_bytes"])] + [table_row(r) for r in rows]
    json_path, md_path = write_report(out, "demo", [{**t, **r} for t, r in zip(table, [full, *rows])], COLUMNS,
                                      title=f"spikeslim demo: {config.dataset}, IPC {config.ipc}",
                                      notes=notes(config, train))
    png_path = plot(out / "demo.png", table, [full, *rows], config)
    return {"table": md_path, "plot": png_path, "json": json_path}


def set_file(out: Path, method: str, config: DemoConfig) -> Path:
    return out / f"{method}_ipc{config.ipc}.npz"


def condensed_file(out: Path, method: str, options: dict[str, Any], config: DemoConfig, data: FrameSpec, *,
                   resume: bool, **kwargs: Any) -> Path:
    """Condense `data` with `method` into `out/<method>_ipc<ipc>.npz` as `spikeslim distill` does
    (reused under `resume`)."""
    path = set_file(out, method, config)
    if not (resume and path.exists()):
        distill(data=data, method=method, ipc=config.ipc, out=path, seed=config.seed, options=options,
                resume=resume, **kwargs)
    shutil.rmtree(checkpoint_folder(path), ignore_errors=True)
    return path


def evaluated_row(set_path: Path, config: DemoConfig, *, resume: bool, ref_dir: Path, **kwargs: Any) -> dict[str, Any]:
    """The evaluation row of one set file, cached beside it as `<set>_eval.json`."""
    cached = set_path.with_name(f"{set_path.stem}_eval.json")
    row = cached_json(cached, *EVAL_KEYS) if resume else None
    if row is not None:
        return row
    row = evaluate_set(set_path, config.recipe, reference_seeds=1, reference_dir=ref_dir, **kwargs)
    row["condense_seconds"] = float(load_set(set_path).meta.get("wall_time_s", float("nan")))
    write_json(cached, row)
    return row


def full_row(full: dict[str, Any], events_bytes: int) -> dict[str, str]:
    return {"method": "full training set", "IPC": "all", "samples": str(full["n_samples"]),
            "accuracy (%)": f"{format_mean_std(full['accuracies'])} (n={len(full['accuracies'])})",
            "train time (s)": f"{full['train_seconds']:.1f}", "time saved": "1x", "condense time (s)": "-",
            "stored (bytes)": f"{events_bytes} (raw events)", "storage saved (events)": "1x"}


def table_row(row: dict[str, Any]) -> dict[str, str]:
    summary = summary_row(row)
    return {**{c: summary[c] for c in ("method", "IPC", "samples", "accuracy (%)", "train time (s)", "time saved",
                                       "storage saved (events)")},
            "condense time (s)": f"{row['condense_seconds']:.1f}", "stored (bytes)": summary["set file (bytes)"]}


def notes(config: DemoConfig, train: FrameSet) -> str:
    recipe = config.recipe
    return (f"Frames: {config.dataset}, T={train.T}, {train.shape[2]}x{train.shape[3]} (downsample "
            f"{config.downsample}). Every row trains fresh `{recipe.model.name}` {recipe.model.kwargs} networks "
            f"from scratch with the same recipe (Adam, cosine, {recipe.steps} steps of batch {recipe.batch_size}, "
            f"at least {recipe.min_epochs} epochs, augmentation {recipe.augment}) and tests on the real test split; "
            f"mean ± std over seeds. "
            f"Storage saved: raw events of the full training set (5 bytes/event) over the set file's bytes. "
            f"Condense options: {json.dumps(config.methods)}.")


def plot(path: Path, table: list[dict[str, str]], rows: list[dict[str, Any]], config: DemoConfig) -> Path:
    """Accuracy against training time, one point per row with its seed spread."""
    series = {t["method"] if t["IPC"] == "all" else f"{t['method']} (IPC {t['IPC']})":
              ([r["train_seconds"]], [100 * r["acc_mean"]], [100 * r["acc_std"]]) for t, r in zip(table, rows)}
    return plot_xy(path, series, xlabel="training time per network (s)", ylabel="test accuracy (%)",
                   title=f"{config.dataset}: condensed sets vs the full training set")
