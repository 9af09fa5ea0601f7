"""One condensation run as the `distill` command does it: data in, one set file out.

Every method (distillation or coreset) goes through this path with the same arguments, so a
set file always records how it was made, and an interrupted distillation resumes from the
checkpoint folder beside the set.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from spikeslim.condense.registry import METHODS, condense_set
from spikeslim.datasets import load_frames
from spikeslim.datasets.base import FrameSet
from spikeslim.datasets.setfile import save_set
from spikeslim.train.plugins import RunContext


def checkpoint_folder(out: str | os.PathLike[str]) -> Path:
    """Where a run keeps its resumable state (and a teacher): `<set>.ckpt/` beside the set file."""
    out = Path(out)
    return out.with_name(out.name + ".ckpt")


def distill(
    *, dataset: str, method: str, ipc: int, out: str | os.PathLike[str], seed: int = 0,
    options: dict[str, Any] | None = None, T: int | None = None, binning: str = "time", downsample: int = 1,
    data_dir: str | None = None, cache_dir: str | None = None, device: str | None = None, resume: bool = False,
    checkpoint: str | os.PathLike[str] | None = None, progress: bool = True,
) -> FrameSet:
    """Condense `dataset`'s training split with `method` to `ipc` samples per class; save to `out`.

    `options` are the method's own (unknown or ill-typed ones raise an InvalidConfigError naming
    them). Returns the condensed FrameSet as saved.
    """
    options = dict(options or {})
    METHODS.options(method, options)  # a bad option fails before the data loads
    train = load_frames(dataset, "train", T=T, binning=binning, downsample=downsample, data_dir=data_dir,
                        cache_dir=cache_dir, progress=progress)
    folder = Path(checkpoint) if checkpoint is not None else checkpoint_folder(out)
    run = RunContext(seed=seed, device=device, progress=progress, checkpoint=folder, resume=resume)
    start = time.perf_counter()
    result = condense_set(method, train, ipc, options=options, run=run)
    arguments = {"dataset": dataset, "method": method, "ipc": ipc, "seed": seed, "options": options, "T": T,
                 "binning": binning, "downsample": downsample}
    save_set(out, result, {"arguments": arguments, "wall_time_s": round(time.perf_counter() - start, 3)})
    return result
