"""Training state saved after each epoch so `--resume` ends where an uninterrupted run would."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from spikeslim.errors import CheckpointError
from spikeslim.safeio import first_line
from spikeslim.snn.models import ModelSpec
from spikeslim.train.config import TrainConfig


@dataclass
class EpochStats:
    """One epoch of a run's history, as `results.json` and checkpoints record it."""

    epoch: int
    loss: float
    train_accuracy: float
    test_accuracy: float | None
    kept_fraction: float
    examples_seen: int
    lr: float
    wall_time_s: float


def train_state(
    config: TrainConfig,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    sampler: Any,
    history: list[dict[str, Any]],
    wall_time_s: float,
    loss_key: str | None = None,
) -> dict[str, Any]:
    """Everything besides the weights that the next epoch depends on.

    Batch order and augmentation are drawn from a generator seeded by (seed, epoch), so only the
    global RNG (used by e.g. dropout) needs saving. A sampler with `state_dict` is saved too, and
    the key of a loss hook (None: the config's loss), which the weights depend on.
    """
    state = {
        "config": config.to_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "history": history,
        "wall_time_s": wall_time_s,
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "sampler_type": type(sampler).__name__ if sampler is not None else None,
        "loss": loss_key,
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
    *,
    data: dict[str, Any],
    model_spec: ModelSpec | None = None,
    loss_key: str | None = None,
) -> dict[str, Any]:
    """Load weights, optimiser, schedule, RNG and sampler state; refuse a run that differs from the
    checkpoint's in recipe (every `TrainConfig` field, `bptt` included; a field older files lack
    counts as its default), data (`data`, the record `checkpoint.data_info` gives: the FrameSpec's
    and the shapes; fields older files lack are not compared), network or loss hook (`loss_key`;
    None and older checkpoints: the config's loss).

    Returns the saved state with its `history` as `EpochStats`.
    """
    name = os.fspath(path)
    state = ckpt.get("train_state")
    if not isinstance(state, dict) or not isinstance(state.get("config"), dict):
        raise CheckpointError(f"{name!r} holds no training state to resume from")
    saved = {**TrainConfig().to_dict(), **state["config"]}  # a field older files lack had its default
    changed = {k: (saved[k], v) for k, v in config.to_dict().items() if saved[k] != v}
    changed.update({f"data {k}": (ckpt["data"][k], v) for k, v in data.items()
                    if k in ckpt["data"] and _untupled(ckpt["data"][k]) != _untupled(v)})
    if model_spec is not None and (ckpt.get("model"), ckpt.get("model_kwargs")) != (model_spec.name, model_spec.kwargs):
        changed["model"] = (f"{ckpt.get('model')} {ckpt.get('model_kwargs')}", f"{model_spec.name} {model_spec.kwargs}")
    now_sampler = type(sampler).__name__ if sampler is not None else None
    if state.get("sampler_type", now_sampler) != now_sampler:
        changed["pruning sampler"] = (state.get("sampler_type"), now_sampler)
    if state.get("loss") != loss_key:
        changed["loss hook"] = (state.get("loss"), loss_key)
    if changed:
        diff = ", ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in changed.items())
        raise CheckpointError(f"cannot resume {name!r} with different settings ({diff}); "
                              "use another --out or the checkpoint's settings")
    try:
        model.load_state_dict(ckpt["state_dict"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        if state["cuda_rng"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        if "sampler" in state:
            sampler.load_state_dict(state["sampler"])
        history = [EpochStats(**h) for h in state["history"]]
    except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as err:
        raise CheckpointError(f"{name!r}: its training state is damaged ({first_line(err)})") from err
    return {**state, "history": history}


def _untupled(value: Any) -> Any:
    """Tuples come back from some checkpoints as lists: compare them alike."""
    return list(value) if isinstance(value, tuple) else value
