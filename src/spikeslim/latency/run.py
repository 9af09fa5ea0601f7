"""A low-latency run as the `latency` command does it: data at F frames in, one folder out.

Every method goes through this path, so `results.json` always records the method, its options
and the recipe beside one row per T (and HSD's teacher), and `--resume` continues any of them
from the checkpoints in the folder.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from spikeslim.datasets import FrameSpec, load_frames
from spikeslim.datasets.base import FrameSet
from spikeslim.errors import InvalidConfigError
from spikeslim.files import write_json
from spikeslim.latency.base import check_steps, recipe
from spikeslim.latency.registry import METHODS, train_for_steps
from spikeslim.train import TrainConfig
from spikeslim.train.plugins import RunContext


def run_latency(
    train: FrameSet, test: FrameSet | None, *, method: str, steps: Sequence[int],
    options: dict[str, Any] | None = None, run: RunContext,
) -> dict[str, Any]:
    """`train_for_steps` with the run's folder (`run.checkpoint`) as output; writes and returns
    `results.json`'s content."""
    if run.checkpoint is None:
        raise InvalidConfigError("a latency run needs an output folder (RunContext.checkpoint)")
    options = dict(options or {})
    result = train_for_steps(method, train, steps, test=test, options=options, run=run)
    summary: dict[str, Any] = {
        "dataset": None if train.spec is None else train.spec.dataset, "method": method, "train_frames": train.T, "steps": list(steps),
        "options": asdict(METHODS.options(method, options)), "config": recipe(run).to_dict(),
    }
    if result.teacher is not None:
        summary["teacher"] = result.teacher.row
    summary["networks"] = [n.row for n in result.networks]
    write_json(Path(run.checkpoint) / "results.json", summary)
    return summary


def latency_run(
    dataset: str, *, method: str = "hsd", steps: Sequence[int], train_frames: int = 16,
    options: dict[str, Any] | None = None, config: TrainConfig | None = None, out: str | os.PathLike[str],
    binning: str = "time", downsample: int = 1, data_dir: str | None = None, cache_dir: str | None = None,
    device: str | None = None, resume: bool = False, progress: bool = True,
) -> dict[str, Any]:
    """`run_latency` on a registered dataset binned into F = `train_frames` frames (the `latency`
    command); bad options and steps fail before the data loads. `config` is the recipe (HSD: the
    teacher's; default `TrainConfig()`), and its seed the run's."""
    config = config if config is not None else TrainConfig()
    METHODS.options(method, options or {})
    check_steps(steps, train_frames)
    spec = FrameSpec.of(dataset, T=train_frames, binning=binning, downsample=downsample, data_dir=data_dir)
    train, test = (load_frames(spec, split, cache_dir=cache_dir, progress=progress) for split in ("train", "test"))
    run = RunContext(seed=config.seed, device=device, progress=progress, checkpoint=Path(out), resume=resume,
                     config=config)
    return run_latency(train, test, method=method, steps=steps, options=options, run=run)
