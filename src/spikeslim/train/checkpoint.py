"""Checkpoints that rebuild their own network: registry name, kwargs, data settings and weights."""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import torch
from torch import nn

from spikeslim.datasets.base import FrameSet
from spikeslim.errors import CheckpointError
from spikeslim.files import atomic_path

FORMAT = 1


class ModelSpec(NamedTuple):
    """How to rebuild a network with `snn.models.build_model(name, in_shape=, n_classes=, **kwargs)`."""

    name: str
    kwargs: dict[str, Any]


def data_info(data: FrameSet) -> dict[str, Any]:
    """The data settings a checkpoint needs to re-load matching test frames at any T."""
    meta = data.meta
    return {
        "dataset": meta.get("dataset"),
        "T": data.T,
        "binning": meta.get("binning", "time"),
        "downsample": meta.get("downsample", 1),
        "n_classes": data.n_classes,
        "in_shape": tuple(int(s) for s in data.frames.shape[2:]),
    }


def unwrap(model: nn.Module) -> nn.Module:
    """The network inside a DistributedDataParallel wrapper (or the network itself)."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def save_checkpoint(
    path: str | os.PathLike[str],
    model: nn.Module,
    *,
    model_name: str | None,
    model_kwargs: dict[str, Any] | None = None,
    data: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> None:
    """Write atomically; `extra` (e.g. optimiser state for resuming) is stored beside the model."""
    ckpt: dict[str, Any] = {
        "format": FORMAT,
        "model": model_name,
        "model_kwargs": dict(model_kwargs or {}),
        "state_dict": unwrap(model).state_dict(),
        "data": dict(data),
    }
    clash = set(extra or {}) & set(ckpt)
    if clash:
        raise ValueError(f"extra checkpoint keys {sorted(clash)} would overwrite the model record")
    ckpt.update(extra or {})
    with atomic_path(path) as tmp:
        torch.save(ckpt, tmp)


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a checkpoint dict onto the CPU; CheckpointError names the file if it is absent or bad."""
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint {os.fspath(path)!r} does not exist")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for truncated or foreign files
        raise CheckpointError(f"checkpoint {os.fspath(path)!r} cannot be read: {err}") from err
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{os.fspath(path)!r} is not a spikeslim checkpoint (format {FORMAT})")
    return ckpt


def load_model(
    path: str | os.PathLike[str], device: torch.device | str | None = "cpu"
) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the registered network a checkpoint names, load its weights, return it in eval mode."""
    from spikeslim.snn.models import build_model

    ckpt = read_checkpoint(path)
    if not ckpt.get("model"):
        raise CheckpointError(
            f"checkpoint {os.fspath(path)!r} names no registered model (it was saved without a ModelSpec)"
        )
    data = ckpt["data"]
    model = build_model(ckpt["model"], in_shape=tuple(data["in_shape"]), n_classes=data["n_classes"], **ckpt["model_kwargs"])
    model.load_state_dict(ckpt["state_dict"])
    return model.to(device).eval(), ckpt
