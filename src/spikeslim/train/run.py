"""The `train` and `evaluate` commands as functions: data, model, sampler, fit, results on disk."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from spikeslim.datasets import FrameSpec, load_frames
from spikeslim.datasets.base import FrameSet
from spikeslim.errors import InvalidConfigError
from spikeslim.files import write_json
from spikeslim.snn.models import ModelSpec
from spikeslim.train import distributed
from spikeslim.train.checkpoint import data_info, frame_spec, load_model
from spikeslim.train.config import TrainConfig
from spikeslim.train.device import resolve_device
from spikeslim.train.evaluation import evaluate
from spikeslim.train.hooks import SamplerFactory
from spikeslim.train.loop import fit
from spikeslim.train.plugins import RunContext


def train_run(
    *,
    data: FrameSpec | FrameSet,
    model: ModelSpec,
    config: TrainConfig,
    out: str | os.PathLike[str],
    cache_dir: str | None = None,
    device: str | None = None,
    resume: bool = False,
    prune: SamplerFactory | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Train `model` on `data`, writing `out/checkpoint.pt` each epoch and `out/results.json`.

    `data` is a FrameSpec (train on its training split) or a condensed set (`load_set`) to train
    on instead; either way the test split is the one its spec names. `prune`
    (`prune.Pruning(name, keep, options)`) builds the run's sampler once data and model are known.
    Under torchrun this process joins the group and trains its shard; only rank 0 writes.
    """
    ctx, dev = distributed.init_from_env(resolve_device(device))
    main = distributed.is_main()
    train_set = data if isinstance(data, FrameSet) else None
    spec = data.spec if isinstance(data, FrameSet) else data
    if spec is None:
        raise InvalidConfigError("the training set's meta names no dataset to test on")
    with distributed.main_first():
        train = train_set if train_set is not None else load_frames(spec, "train", cache_dir=cache_dir,
                                                                    progress=progress and main)
        test = load_frames(spec, "test", cache_dir=cache_dir, progress=progress and main)
    net = model.build(train.shape[1:], train.n_classes, seed=config.seed)
    run = RunContext(seed=config.seed, device=str(dev), progress=progress, config=config, model=model)
    sampler = None if prune is None else prune(train, run)
    out = Path(out)
    result = fit(net, train, config, test=test, sampler=sampler, device=dev, checkpoint=out / "checkpoint.pt",
                 resume=resume, progress=progress, model_spec=model)
    results = {
        "dataset": spec.dataset, "model": model.name, "model_kwargs": dict(model.kwargs), "data": data_info(train),
        "train_set": None if train_set is None else {k: train_set.meta.get(k) for k in ("method", "ipc", "seed")},
        "config": config.to_dict(), "prune": None if prune is None else prune.name, "keep": 1.0 if prune is None else prune.keep,
        "prune_options": {} if prune is None else dict(prune.options),
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
    """Test metrics of a checkpoint, the test frames re-binned from events at `T` (default: its own),
    read from `data_dir` (default: the folder it was trained from).

    Writes them as JSON to `out` (default: `evaluate_T<T>.json` beside the checkpoint) and returns them.
    """
    dev = resolve_device(device)
    model, ckpt = load_model(path, dev)
    trained = frame_spec(ckpt, path)
    T = trained.T if T is None else T
    test = load_frames(replace(trained.at(data_dir), T=T), "test", cache_dir=cache_dir, progress=progress)
    start = time.perf_counter()
    metrics = evaluate(model, test, device=dev)
    result = {"checkpoint": os.fspath(path), "model": ckpt["model"], "dataset": trained.dataset,
              "trained_T": trained.T, **metrics, "wall_time_s": time.perf_counter() - start}
    write_json(Path(out) if out is not None else Path(path).parent / f"evaluate_T{T}.json", result)
    return result
