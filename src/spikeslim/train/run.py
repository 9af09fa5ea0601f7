"""The `train` and `evaluate` commands as functions: data, model, sampler, fit, results on disk."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import torch

from spikeslim.datasets import load_frames
from spikeslim.datasets.base import FrameSet
from spikeslim.errors import InvalidConfigError
from spikeslim.files import write_json
from spikeslim.snn.models import build_model
from spikeslim.train import distributed
from spikeslim.train.checkpoint import ModelSpec, data_info, load_model
from spikeslim.train.config import TrainConfig
from spikeslim.train.device import resolve_device
from spikeslim.train.evaluation import evaluate
from spikeslim.train.hooks import SamplerFactory
from spikeslim.train.loop import fit
from spikeslim.train.plugins import RunContext


def train_run(
    *,
    dataset: str | None,
    model: str,
    model_kwargs: dict[str, Any],
    config: TrainConfig,
    out: str | os.PathLike[str],
    T: int | None = None,
    binning: str = "time",
    downsample: int = 1,
    data_dir: str | None = None,
    cache_dir: str | None = None,
    device: str | None = None,
    resume: bool = False,
    prune: SamplerFactory | None = None,
    progress: bool = True,
    train_data: FrameSet | None = None,
) -> dict[str, Any]:
    """Train `model` on `dataset`, writing `out/checkpoint.pt` each epoch and `out/results.json`.

    `train_data` (a condensed set) replaces the training split; the test split is then its
    dataset's (`meta["dataset"]`), binned at its T, binning and down-sampling. `prune`
    (`prune.Pruning(name, keep)`) builds the run's sampler once data and model are known.
    Under torchrun this process joins the group and trains its shard; only rank 0 writes.
    """
    ctx, dev = distributed.init_from_env(resolve_device(device))
    main = distributed.is_main()
    if train_data is not None:
        if T is not None and T != train_data.T:
            raise InvalidConfigError(f"T={T} differs from the training set's T={train_data.T}; its frames fix T")
        meta = train_data.meta
        dataset, T = meta.get("dataset"), train_data.T
        binning, downsample = meta.get("binning", "time"), int(meta.get("downsample", 1))
        if not dataset:
            raise InvalidConfigError("the training set's meta names no dataset to test on")
    frames = {"T": T, "binning": binning, "downsample": downsample, "data_dir": data_dir, "cache_dir": cache_dir}
    with distributed.main_first():
        train = train_data if train_data is not None else load_frames(dataset, "train", progress=progress and main, **frames)
        test = load_frames(dataset, "test", progress=progress and main, **frames)
    spec = ModelSpec(model, dict(model_kwargs))

    def make_model() -> torch.nn.Module:
        return build_model(model, in_shape=train.shape[1:], n_classes=train.n_classes, **model_kwargs)

    torch.manual_seed(config.seed)
    net = make_model()
    run = RunContext(seed=config.seed, device=str(dev), progress=progress, config=config, model_factory=make_model)
    sampler = None if prune is None else prune(train, run)
    out = Path(out)
    result = fit(net, train, config, test=test, sampler=sampler, device=dev, checkpoint=out / "checkpoint.pt",
                 resume=resume, progress=progress, model_spec=spec)
    results = {
        "dataset": dataset, "model": model, "model_kwargs": dict(model_kwargs), "data": data_info(train),
        "train_set": None if train_data is None else {k: train_data.meta.get(k) for k in ("method", "ipc", "seed")},
        "config": config.to_dict(), "prune": None if prune is None else prune.name, "keep": 1.0 if prune is None else prune.keep,
        "n_train": len(train), "n_test": len(test), "device": str(dev),
        "world_size": ctx.world_size if ctx else 1, **result.final,
        "wall_time_s": result.wall_time_s, "examples_seen": result.examples_seen,
        "history": result.to_dict()["history"],
    }
    if main:
        write_json(out / "results.json", results)
    return results


def evaluate_checkpoint(
    path: str | os.PathLike[str],
    *,
    T: int | None = None,
    out: str | os.PathLike[str] | None = None,
    data_dir: str | None = None,
    cache_dir: str | None = None,
    device: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Test metrics of a checkpoint, the test frames re-binned from events at `T` (default: its own).

    Writes them as JSON to `out` (default: `evaluate_T<T>.json` beside the checkpoint) and returns them.
    """
    dev = resolve_device(device)
    model, ckpt = load_model(path, dev)
    data = ckpt["data"]
    T = data["T"] if T is None else T
    test = load_frames(data["dataset"], "test", T=T, binning=data["binning"], downsample=data["downsample"],
                       data_dir=data_dir, cache_dir=cache_dir, progress=progress)
    start = time.perf_counter()
    metrics = evaluate(model, test, device=dev)
    result = {"checkpoint": os.fspath(path), "model": ckpt["model"], "dataset": data["dataset"],
              "trained_T": data["T"], **metrics, "wall_time_s": time.perf_counter() - start}
    write_json(Path(out) if out is not None else Path(path).parent / f"evaluate_T{T}.json", result)
    return result
