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
from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.datasets.setfile import save_set
from spikeslim.train.plugins import RunContext


def checkpoint_folder(out: str | os.PathLike[str]) -> Path:
    """Where a run keeps its resumable state (and a teacher): `<set>.ckpt/` beside the set file."""
    out = Path(out)
    return out.with_name(out.name + ".ckpt")


def distill(
    *, data: FrameSpec, method: str, ipc: int, out: str | os.PathLike[str], seed: int = 0,
    options: dict[str, Any] | None = None, cache_dir: str | None = None, device: str | None = None,
    resume: bool = False, checkpoint: str | os.PathLike[str] | None = None, progress: bool = True,
) -> FrameSet:
    """Condense `data`'s training split with `method` to `ipc` samples per class; save to `out`.

    `options` are the method's own (unknown or ill-typed ones raise an InvalidConfigError naming
    them). Returns the condensed FrameSet as saved (its spec is `data`'s).
    """
    options = dict(options or {})
    METHODS.options(method, options)  # a bad option fails before the data loads
    train = load_frames(data, "train", cache_dir=cache_dir, progress=progress)
    folder = Path(checkpoint) if checkpoint is not None else checkpoint_folder(out)
    run = RunContext(seed=seed, device=device, progress=progress, checkpoint=folder, resume=resume)
    start = time.perf_counter()
    result = condense_set(method, train, ipc, options=options, run=run)
    arguments = {"method": method, "ipc": ipc, "seed": seed, "options": options}  # the data: the set's spec
    save_set(out, result, {"arguments": arguments, "wall_time_s": round(time.perf_counter() - start, 3)})
    return result
