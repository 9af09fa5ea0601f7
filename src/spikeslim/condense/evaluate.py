"""The evaluation protocol of dataset distillation, for event sets: train fresh networks on a set.

A condensed set is judged the way the field judges one (see docs): fresh networks trained from
scratch on it with a fixed recipe, tested on the real test split, mean and std over seeds; set
beside a network trained on the full training set with the same recipe, in accuracy, training
wall time and storage.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.errors import InvalidConfigError
from spikeslim.files import write_json
from spikeslim.progress import progress_bar
from spikeslim.report import mean_std, write_report
from spikeslim.safeio import cached_json
from spikeslim.snn.models import ModelSpec
from spikeslim.train.augment import SHIFTS, FrameAugment

#: Bytes per event of the N-MNIST file format, the reference for raw-event storage.
EVENT_BYTES = 5


@dataclass(frozen=True)
class EvalRecipe:
    """How every set (and the full-data reference) is trained: Adam, cosine to zero, from scratch.

    Training length is a budget of optimisation `steps`, not epochs, so a 10-sample set and a
    1,000-sample set both train to convergence: epochs = max(min_epochs, ceil(steps / batches per
    epoch)). The defaults are the protocol's (docs/protocol.md): the strided `scnn` at full sensor
    size, 1,000 steps of batch 32 (about 30 epochs of nmnist-small, 250 of an IPC-10 set, where
    validation curves of both have levelled off), shifts but no flips.
    """

    model: ModelSpec = ModelSpec("scnn")  # e.g. ModelSpec("scnn", {"width": 16}) for a quick CPU run
    seeds: int = 5
    steps: int = 1000
    min_epochs: int = 1
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 0.0
    loss: str = "mean"
    augment: FrameAugment | None = SHIFTS

    def __post_init__(self) -> None:
        if not isinstance(self.model, ModelSpec):
            raise InvalidConfigError(f"evaluation model must be a ModelSpec(name, options), got {self.model!r}")
        for name in ("seeds", "steps", "min_epochs", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise InvalidConfigError(f"evaluation {name} must be at least 1, got {getattr(self, name)}")

    def epochs_for(self, n_samples: int) -> int:
        return max(self.min_epochs, math.ceil(self.steps / math.ceil(n_samples / self.batch_size)))

    def train_config(self, n_samples: int, seed: int) -> Any:
        from spikeslim.train import TrainConfig

        return TrainConfig(epochs=self.epochs_for(n_samples), batch_size=self.batch_size, lr=self.lr,
                           optimizer="adam", schedule="cosine", weight_decay=self.weight_decay,
                           loss=self.loss, augment=self.augment, seed=seed)


def train_and_test(train: FrameSet, test: FrameSet, recipe: EvalRecipe, seed: int, *, device: Any = None,
                   progress: bool = True, predictions: bool = False) -> dict[str, Any]:
    """One fresh network of `recipe.model` (its weights drawn from `seed`) trained on `train`: its
    test accuracy and training seconds.

    With `predictions`, also `predicted` (each test sample's class), for paired comparisons.
    """
    from spikeslim.train import evaluate, fit, resolve_device

    dev = resolve_device(device)
    model = recipe.model.build(train.shape[1:], train.n_classes, seed=seed)
    start = time.perf_counter()
    fit(model, train, recipe.train_config(len(train), seed), device=dev, progress=progress)
    seconds = time.perf_counter() - start
    metrics = evaluate(model, test, device=dev, predictions=predictions)
    out: dict[str, Any] = {"accuracy": float(metrics["accuracy"]), "train_seconds": seconds}
    if predictions:
        out["predicted"] = metrics["predicted"]
    return out


def evaluate_frames(train: FrameSet, test: FrameSet, recipe: EvalRecipe, *, seeds: int | None = None,
                    device: Any = None, progress: bool = True) -> dict[str, Any]:
    """Train `seeds` (default `recipe.seeds`) fresh networks on `train`; accuracy and time over seeds."""
    runs = [train_and_test(train, test, recipe, seed, device=device, progress=progress)
            for seed in progress_bar(range(seeds or recipe.seeds), desc=f"train on {len(train)} samples",
                                     unit="seed", disable=not progress, interval=0)]
    accs = [r["accuracy"] for r in runs]
    acc_mean, acc_std = mean_std(accs)
    return {"accuracies": accs, "acc_mean": acc_mean, "acc_std": acc_std,
            "train_seconds": mean_std([r["train_seconds"] for r in runs])[0],
            "epochs": recipe.epochs_for(len(train)), "n_samples": len(train)}


def reference(train: FrameSet, test: FrameSet, recipe: EvalRecipe, *, seeds: int, cache_dir: Path | None = None,
              device: Any = None, progress: bool = True) -> dict[str, Any]:
    """The full-training-set result under `recipe`, cached as JSON (it is by far the slowest part)."""
    key = train.settings()
    if test.T != train.T:  # tested at another T (absent otherwise, so earlier caches stay valid)
        key["test_T"] = test.T
    recipe_key = {k: v for k, v in asdict(recipe).items() if k not in ("seeds", "model")}  # seeds: the set's
    recipe_key.update(model=recipe.model.name, model_kwargs=recipe.model.kwargs)  # as caches have always named it
    key.update(recipe=recipe_key, seeds=seeds, n_train=len(train))
    path = None
    if cache_dir is not None:
        digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
        path = Path(cache_dir) / f"reference-{key['dataset']}-{digest}.json"
        cached = cached_json(path, "result")
        if cached is not None and isinstance(cached["result"], dict):
            return cached["result"]
    result = evaluate_frames(train, test, recipe, seeds=seeds, device=device, progress=progress)
    if path is not None:
        write_json(path, {"key": key, "result": result})
    return result


def storage(data: FrameSet, full: FrameSet, set_file: Path | None = None) -> dict[str, int]:
    """Bytes of the set (its .npz file, and raw frames) against the full training set.

    Full-set events are counted from its frames (every binned event) at the N-MNIST format's
    5 bytes each; full-set frames are the raw array at the same unsigned dtype the set file uses.
    """
    from spikeslim.datasets.setfile import as_count_frames, save_set

    if set_file is None:
        with tempfile.TemporaryDirectory() as tmp:
            set_file = Path(tmp) / "set.npz"
            save_set(set_file, data, {})
            file_bytes = os.path.getsize(set_file)
    else:
        file_bytes = os.path.getsize(set_file)
    events = int(sum(int(full.frames[lo:lo + 256].sum(dtype=np.int64)) for lo in range(0, len(full), 256)))
    peak = max(int(full.frames[lo:lo + 256].max()) for lo in range(0, len(full), 256))
    full_item = as_count_frames(np.array([peak])).itemsize
    return {"set_file_bytes": file_bytes, "set_frames_bytes": int(as_count_frames(data.frames).nbytes),
            "full_events_bytes": EVENT_BYTES * events,
            "full_frames_bytes": int(np.prod(full.frames.shape, dtype=np.int64)) * full_item}


def real_splits(spec: FrameSpec, *, test_T: int | None = None, cache_dir: Path | None = None,
                progress: bool = True) -> tuple[FrameSet, FrameSet]:
    """The real train and test splits made as `spec` says (the test split at `test_T` time steps
    instead, when given)."""
    from spikeslim.datasets import load_frames

    test = spec if test_T is None else replace(spec, T=test_T)
    return (load_frames(spec, "train", cache_dir=cache_dir, progress=progress),
            load_frames(test, "test", cache_dir=cache_dir, progress=progress))


def evaluate_set(path: str | os.PathLike[str], recipe: EvalRecipe = EvalRecipe(), *, T: int | None = None,
                 reference_seeds: int = 1, with_reference: bool = True, reference_dir: Path | None = None,
                 data_dir: Path | None = None, cache_dir: Path | None = None, device: Any = None,
                 progress: bool = True) -> dict[str, Any]:
    """Evaluate the set file at `path`: one result row (accuracy, time and storage, set vs full data).

    Networks train at the set's T and are tested at `T` time steps (default: the set's), the test
    split binned from its events at that T and read from `data_dir` (default: the folder the set
    records). The full-data reference is cached in `reference_dir` (default: `reference/` beside
    the set).
    """
    from spikeslim.datasets.setfile import InvalidSetFileError, load_set

    path = Path(path)
    data = load_set(path, data_dir=data_dir)
    if data.spec is None:
        raise InvalidSetFileError(f"{path}: the set's meta names no dataset: cannot tell which real data to test on")
    train, test = real_splits(data.spec, test_T=T, cache_dir=cache_dir, progress=progress)
    if data.shape != train.shape or data.n_classes != test.n_classes:
        raise InvalidSetFileError(f"{path}: set samples are {data.shape} with {data.n_classes} classes, "
                                  f"but the real data is {train.shape} with {test.n_classes}")
    result = evaluate_frames(data, test, recipe, device=device, progress=progress)
    row: dict[str, Any] = {
        "set": str(path), "dataset": data.spec.dataset, "method": data.meta.get("method", "?"),
        "ipc": data.meta.get("ipc"), "model": recipe.model.name, "seeds": recipe.seeds, "T": data.T,
        "test_T": test.T, **result,
    }
    if with_reference:
        ref = reference(train, test, recipe, seeds=reference_seeds, device=device, progress=progress,
                        cache_dir=reference_dir if reference_dir is not None else path.parent / "reference")
        row.update(full_acc_mean=ref["acc_mean"], full_acc_std=ref["acc_std"], full_seeds=reference_seeds,
                   full_train_seconds=ref["train_seconds"], full_n_samples=ref["n_samples"],
                   time_ratio=ref["train_seconds"] / max(result["train_seconds"], 1e-9))
    sizes = storage(data, train, path)
    row.update(sizes, events_storage_ratio=sizes["full_events_bytes"] / sizes["set_file_bytes"],
               frames_storage_ratio=sizes["full_frames_bytes"] / sizes["set_frames_bytes"])
    return row


def evaluate_set_report(path: str | os.PathLike[str], recipe: EvalRecipe = EvalRecipe(), *,
                        out: str | os.PathLike[str] | None = None, **options: Any) -> dict[str, Any]:
    """`spikeslim evaluate-set`: `evaluate_set(path, recipe, **options)` written, atomically, as
    `<set>_eval.json` (every field) and `.md` (the summary) in `out` (default: beside the set).

    Returns the row, its summary and the two paths written (`json`, `markdown`).
    """
    path = Path(path)
    row = evaluate_set(path, recipe, **options)
    summary = summary_row(row)
    json_path, md_path = write_report(out if out is not None else path.parent, f"{path.stem}_eval",
                                      [{**summary, **row}], columns=list(summary), title=f"Evaluation of {path.name}")
    return {"row": row, "summary": summary, "json": json_path, "markdown": md_path}


def summary_row(row: dict[str, Any]) -> dict[str, str]:
    """The human-readable columns of one evaluation row (for Markdown tables)."""
    out = {"method": str(row["method"]), "IPC": str(row["ipc"]), "samples": str(row["n_samples"]),
           "model": str(row["model"]),
           "accuracy (%)": f"{100 * row['acc_mean']:.1f} ± {100 * row['acc_std']:.1f} (n={len(row['accuracies'])})",
           "train time (s)": f"{row['train_seconds']:.1f}"}
    if row.get("test_T") != row.get("T"):  # tested at another T than the set's
        out["test T"] = str(row["test_T"])
    if "full_acc_mean" in row:
        out.update({"full-data accuracy (%)": f"{100 * row['full_acc_mean']:.1f}",
                    "full-data train time (s)": f"{row['full_train_seconds']:.1f}",
                    "time saved": f"{row['time_ratio']:.1f}x"})
    out.update({"set file (bytes)": str(row["set_file_bytes"]),
                "full raw events (bytes)": str(row["full_events_bytes"]),
                "storage saved (events)": f"{row['events_storage_ratio']:.0f}x",
                "storage saved (frames)": f"{row['frames_storage_ratio']:.0f}x"})
    return out
