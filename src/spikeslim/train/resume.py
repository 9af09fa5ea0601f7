"""Training state saved after each epoch so `--resume` ends where an uninterrupted run would."""

from __future__ import annotations

import os
from typing import Any

import torch
from torch import nn

from spikeslim.errors import CheckpointError
from spikeslim.train.config import TrainConfig


def train_state(
    config: TrainConfig,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    sampler: Any,
    history: list[dict[str, Any]],
    wall_time_s: float,
) -> dict[str, Any]:
    """Everything besides the weights that the next epoch depends on.

    Batch order and augmentation are drawn from a generator seeded by (seed, epoch), so only the
    global RNG (used by e.g. dropout) needs saving. A sampler with `state_dict` is saved too.
    """
    state = {
        "config": config.to_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "history": history,
        "wall_time_s": wall_time_s,
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }
    if sampler is not None and hasattr(sampler, "state_dict"):
        state["sampler"] = sampler.state_dict()
    return state


def restore_train_state(
    ckpt: dict[str, Any],
    path: str | os.PathLike[str],
    config: TrainConfig,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    sampler: Any,
) -> dict[str, Any]:
    """Load weights, optimiser, schedule, RNG and sampler state; refuse a different recipe."""
    state = ckpt.get("train_state")
    if state is None:
        raise CheckpointError(f"{os.fspath(path)!r} holds no training state to resume from")
    saved = state["config"]
    now = config.to_dict()
    changed = {k: (saved.get(k), v) for k, v in now.items() if saved.get(k) != v}
    if changed:
        diff = ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in changed.items())
        raise CheckpointError(f"cannot resume {os.fspath(path)!r} with a different recipe ({diff})")
    model.load_state_dict(ckpt["state_dict"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["torch_rng"])
    if state["cuda_rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda_rng"])
    if "sampler" in state:
        sampler.load_state_dict(state["sampler"])
    return state
