"""What every condenser shares: class-wise real sampling and real-sample initialisation.

A condenser turns a training FrameSet into a small synthetic (or selected) FrameSet of `ipc`
samples per class. Distillation methods (pace, dm, dc, idm) and coreset methods (random, herding,
kcenter, forgetting) are built alike (`registry.condense_set`), so the CLI and the benchmark
treat them alike.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import torch

from spikeslim.datasets.base import FrameSet
from spikeslim.datasets.setfile import as_count_frames
from spikeslim.errors import SpikeslimError


class CondenseError(SpikeslimError, ValueError):
    """A condenser cannot run with the given data or options; the message names the value."""


def class_indices(labels: np.ndarray, n_classes: int) -> list[np.ndarray]:
    """Indices of each class's samples, class by class (empty array for an absent class)."""
    labels = np.asarray(labels)
    return [np.flatnonzero(labels == c) for c in range(n_classes)]


def check_ipc(train: FrameSet, ipc: int, *, need_real: bool = True) -> list[np.ndarray]:
    """Validate `ipc` against `train` and return the per-class indices.

    `need_real`: every class must hold at least `ipc` real samples (selection and
    initialisation from real samples need them).
    """
    if not isinstance(ipc, (int, np.integer)) or ipc < 1:
        raise CondenseError(f"ipc (samples per class) must be a positive integer, got {ipc!r}")
    if len(train) == 0:
        raise CondenseError("the training set is empty; nothing to condense")
    per_class = class_indices(train.labels, train.n_classes)
    sizes = [len(ix) for ix in per_class]
    if need_real and min(sizes) < ipc:
        bad = [c for c, n in enumerate(sizes) if n < ipc]
        raise CondenseError(
            f"ipc={ipc} but classes {bad} have only {[sizes[c] for c in bad]} training samples; "
            "use a smaller --ipc"
        )
    if not need_real and min(sizes) == 0:
        raise CondenseError(f"classes {[c for c, n in enumerate(sizes) if n == 0]} have no training samples")
    return per_class


def class_major_labels(n_classes: int, ipc: int) -> np.ndarray:
    """Labels of a condensed set: [0]*ipc + [1]*ipc + ... as int64."""
    return np.repeat(np.arange(n_classes, dtype=np.int64), ipc)


def pick_real(per_class: list[np.ndarray], ipc: int, rng: np.random.Generator) -> np.ndarray:
    """Choose `ipc` distinct real indices per class uniformly at random, class-major order."""
    return np.concatenate([rng.choice(ix, size=ipc, replace=False) for ix in per_class]).astype(np.int64)


class ClassBatches:
    """Class-wise real-batch sampling: `draw(c, n, rng)` returns up to `n` random frames of class `c`.

    Why: distribution- and gradient-matching compare one class at a time, so each step needs a
    fresh random batch of one class (without replacement within the batch). The generator is
    passed per call so a caller can seed each iteration on its own (exact resume).
    """

    def __init__(self, train: FrameSet):
        self.frames = train.frames
        self.per_class = class_indices(train.labels, train.n_classes)

    def draw(self, c: int, n: int, rng: np.random.Generator) -> np.ndarray:
        ix = self.per_class[c]
        take = rng.choice(ix, size=min(n, len(ix)), replace=False)
        return np.asarray(self.frames[np.sort(take)])


#: coresets whose selection can initialise a distiller (`init=` of pace, dm, dc, idm)
CORESET_INITS = ("herding", "kcenter")
INITS = ("real", *CORESET_INITS, "noise")


def init_frames(
    train: FrameSet, ipc: int, rng: np.random.Generator, *, init: str = "real", factor: int = 1,
    device: str | None = None,
) -> np.ndarray:
    """Initial synthetic frames [ipc*C, T, 2, H, W] as float32 counts, class-major.

    `init="real"` copies randomly chosen real samples of each class (the field's default); with
    `factor` > 1 each stored sample instead holds factor**2 real samples, each average-pooled by
    `factor` into one tile (IDM's partitioning: `expand` decodes them back to full size).
    `init="herding"` or `"kcenter"` copies the real samples that coreset selects (its default
    proxy network on `device`, seeded from `rng`) instead of random ones, so matching starts from
    the best real subset known rather than an arbitrary one.
    `init="noise"` draws Poisson counts with each pixel's mean count over the training set, so
    the start is class-agnostic but has the data's event density.
    """
    n = ipc * factor * factor
    per_class = check_ipc(train, n, need_real=(init != "noise"))
    if init in ("real", *CORESET_INITS):
        chosen = pick_real(per_class, n, rng) if init == "real" else _coreset_pick(train, n, init, rng, device)
        real = np.asarray(train.frames[chosen], dtype=np.float32)
        return real if factor == 1 else tile_down(real, factor)
    if init == "noise":
        mean = np.asarray(train.frames, dtype=np.float32).mean(axis=0)
        shape = (ipc * train.n_classes, *train.shape)
        return rng.poisson(np.broadcast_to(mean, shape)).astype(np.float32)
    raise CondenseError(f"unknown init {init!r}; use one of {', '.join(INITS)}")


def _coreset_pick(train: FrameSet, n: int, method: str, rng: np.random.Generator, device: str | None) -> np.ndarray:
    """Training rows of the `n`-per-class coreset `method` selects, class-major like `pick_real`."""
    from spikeslim.condense.registry import condense_set  # the coresets import this module
    from spikeslim.train.plugins import RunContext

    run = RunContext(seed=int(rng.integers(2**31)), device=device, progress=False)
    return np.asarray(condense_set(method, train, n, run=run).meta["indices"], dtype=np.int64)


def tile_down(frames: np.ndarray, factor: int) -> np.ndarray:
    """[N*f*f, T, C, H, W] -> [N, T, C, H, W]: each group of f*f samples, average-pooled by f,
    laid out as the f x f tiles of one sample (row-major), the inverse layout of `expand`."""
    m, t, c, h, w = frames.shape
    if h % factor or w % factor or m % (factor * factor):
        raise CondenseError(f"cannot tile {m} samples of {h}x{w} by factor {factor}")
    small = frames.reshape(m, t, c, h // factor, factor, w // factor, factor).mean(axis=(4, 6))
    n = m // (factor * factor)
    tiles = small.reshape(n, factor, factor, t, c, h // factor, w // factor)
    return tiles.transpose(0, 3, 4, 1, 5, 2, 6).reshape(n, t, c, h, w)


def condensed_set(
    train: FrameSet, frames: np.ndarray, labels: np.ndarray, *, method: str, options: dict[str, Any],
    timings: dict[str, float], ipc: int, seed: int, extra: dict[str, Any] | None = None,
) -> FrameSet:
    """Package a condenser's output: `train`'s spec (the frames are binned alike) and the meta every
    method records, plus the method's own `extra` provenance."""
    meta = {
        "method": method,
        "ipc": int(ipc),
        "seed": int(seed),
        "options": dict(options),
        "timings": {k: round(float(v), 3) for k, v in timings.items()},
        **(extra or {}),
    }
    return FrameSet(as_count_frames(frames, CondenseError), np.asarray(labels, dtype=np.int64), train.n_classes,
                    train.spec, meta)



def expand(frames: torch.Tensor, factor: int) -> torch.Tensor:
    """[N, T, C, H, W] stored samples -> [N * factor**2, T, C, H, W] decoded ones, sample-major."""
    if factor == 1:
        return frames
    n, t, c, h, w = frames.shape
    th, tw = h // factor, w // factor
    tiles = frames.reshape(n, t, c, factor, th, factor, tw).permute(0, 3, 5, 1, 2, 4, 6)
    tiles = tiles.reshape(n * factor * factor, t, c, th, tw)
    return tiles.repeat_interleave(factor, dim=-2).repeat_interleave(factor, dim=-1)


def check_factor(method: str, train: FrameSet, factor: int) -> None:
    """Refuse a partition factor that does not tile the frames, before any work."""
    height, width = train.shape[-2:]
    if height % factor or width % factor:
        raise CondenseError(f"{method}: factor {factor} does not divide the {height}x{width} frames")


def decoded_set(stored: FrameSet, factor: int) -> FrameSet:
    """A partitioned set's stored samples decoded into what a network trains on (`expand`);
    `meta["ipc"]` stays the stored IPC (what storage is compared at), `meta["decoded_per_class"]`
    counts the decoded samples."""
    if factor == 1:
        return stored
    decoded = int(stored.meta["ipc"]) * factor * factor
    frames = expand(torch.from_numpy(np.asarray(stored.frames)), factor).numpy()
    return replace(stored, frames=frames, labels=class_major_labels(stored.n_classes, decoded),
                   meta={**stored.meta, "decoded_per_class": decoded})
