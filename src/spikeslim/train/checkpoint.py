"""Checkpoints that rebuild their own network: registry name, kwargs, data settings and weights."""

from __future__ import annotations

import os
from typing import Any, NamedTuple

import torch
from torch import nn

from spikeslim.datasets.base import FrameSet
from spikeslim.errors import CheckpointError, SpikeslimError
from spikeslim.files import write_torch
from spikeslim.safeio import first_line, load_torch

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
        "source": meta.get("source"),  # the real data's folder (None for embedded data)
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
    write_torch(path, ckpt)


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Load a checkpoint dict onto the CPU, never unpickling code, and check its record's types.

    CheckpointError names the file if it is absent, unreadable, forged or edited into nonsense.
    """
    ckpt = load_torch(path, CheckpointError)
    name = os.fspath(path)
    if not isinstance(ckpt, dict) or not _positive_int(ckpt.get("format")) or ckpt["format"] != FORMAT:
        raise CheckpointError(f"{name!r} is not a spikeslim checkpoint (format {FORMAT})")
    data = ckpt.get("data")
    problems = [
        (not isinstance(ckpt.get("model"), (str, type(None))), "model must be a name"),
        (not isinstance(ckpt.get("model_kwargs"), dict) or not all(isinstance(k, str) and _plain(v)
                                                                   for k, v in ckpt["model_kwargs"].items()),
         "model_kwargs must be a dict of plain options"),
        (not isinstance(ckpt.get("state_dict"), dict)
         or not all(isinstance(v, torch.Tensor) for v in ckpt["state_dict"].values()), "state_dict must hold tensors"),
        (not isinstance(data, dict), "data must be a dict"),
    ]
    if isinstance(data, dict):
        problems += [
            (not isinstance(data.get("dataset"), (str, type(None))), "data.dataset must be a name"),
            (not _positive_int(data.get("T")), "data.T must be a positive integer"),
            (not _positive_int(data.get("n_classes")), "data.n_classes must be a positive integer"),
            (not _positive_int(data.get("downsample")), "data.downsample must be a positive integer"),
            (data.get("binning") not in ("time", "count"), "data.binning must be time or count"),
            (not isinstance(data.get("in_shape"), (tuple, list)) or len(data["in_shape"]) != 3
             or not all(_positive_int(s) for s in data["in_shape"]), "data.in_shape must be 3 positive integers"),
        ]
    bad = [why for failed, why in problems if failed]
    if bad:
        raise CheckpointError(f"{name!r} is damaged or edited: {'; '.join(bad)}")
    return ckpt


def _plain(value: Any) -> bool:
    """A JSON-like option value (what model kwargs are), not a tensor or anything else."""
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return value is None or isinstance(value, (bool, int, float, str))


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


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
    try:
        model = build_model(ckpt["model"], in_shape=tuple(data["in_shape"]), n_classes=data["n_classes"],
                            **ckpt["model_kwargs"])
        model.load_state_dict(ckpt["state_dict"])
    except (TypeError, ValueError, KeyError, RuntimeError) as err:
        if isinstance(err, SpikeslimError):
            raise CheckpointError(f"checkpoint {os.fspath(path)!r}: {err}") from err
        raise CheckpointError(f"checkpoint {os.fspath(path)!r} does not rebuild its network "
                              f"{ckpt['model']} {ckpt['model_kwargs']}: {first_line(err)}") from err
    return model.to(device).eval(), ckpt

