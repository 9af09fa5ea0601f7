"""Checkpoints that rebuild their own network: its ModelSpec, the data's FrameSpec, the weights."""

from __future__ import annotations

import os
from typing import Any

import torch
from torch import nn

from spikeslim.datasets.base import BINNINGS, FrameSet, FrameSpec
from spikeslim.errors import CheckpointError, SpikeslimError
from spikeslim.files import write_torch
from spikeslim.safeio import first_line, load_torch
from spikeslim.snn.models import ModelSpec

FORMAT = 1


def data_info(data: FrameSet) -> dict[str, Any]:
    """A checkpoint's data record: the spec's record (so matching test frames re-load at any T;
    frames of no dataset give only T), n_classes and in_shape."""
    return {**data.settings(), "source": None if data.spec is None else data.spec.source,
            "n_classes": data.n_classes, "in_shape": tuple(int(s) for s in data.frames.shape[2:])}


def frame_spec(ckpt: dict[str, Any], path: str | os.PathLike[str]) -> FrameSpec:
    """How the frames a checkpoint (`read_checkpoint`'s dict) was trained on were made."""
    if ckpt["data"].get("dataset") is None:
        raise CheckpointError(f"checkpoint {os.fspath(path)!r} names no dataset to load test data from")
    try:
        return FrameSpec.from_record(ckpt["data"])
    except SpikeslimError as err:
        raise CheckpointError(f"checkpoint {os.fspath(path)!r}: {err}") from err


def unwrap(model: nn.Module) -> nn.Module:
    """The network inside a DistributedDataParallel wrapper (or the network itself)."""
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def save_checkpoint(
    path: str | os.PathLike[str],
    model: nn.Module,
    *,
    model_spec: ModelSpec | None,
    data: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> None:
    """Write atomically; `data` is `data_info`'s record, `extra` (e.g. optimiser state for
    resuming) is stored beside the model. Without a `model_spec`, `load_model` cannot rebuild it."""
    ckpt: dict[str, Any] = {
        "format": FORMAT,
        "model": None if model_spec is None else model_spec.name,
        "model_kwargs": {} if model_spec is None else dict(model_spec.kwargs),
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
        (not isinstance(ckpt.get("model_kwargs"), dict) or not all(isinstance(k, str) and _is_plain(v)
                                                                   for k, v in ckpt["model_kwargs"].items()),
         "model_kwargs must be a dict of plain options"),
        (not isinstance(ckpt.get("state_dict"), dict)
         or not all(isinstance(v, torch.Tensor) for v in ckpt["state_dict"].values()), "state_dict must hold tensors"),
        (not isinstance(data, dict), "data must be a dict"),
    ]
    if isinstance(data, dict):
        problems += [
            (not isinstance(data.get("dataset"), (str, type(None))), "data.dataset must be a name"),
            (not isinstance(data.get("source"), (str, type(None))), "data.source must be a folder"),
            (not _positive_int(data.get("T")), "data.T must be a positive integer"),
            (not _positive_int(data.get("n_classes")), "data.n_classes must be a positive integer"),
            (not _positive_int(data.get("downsample", 1)), "data.downsample must be a positive integer"),
            (data.get("binning", "time") not in BINNINGS, "data.binning must be time or count"),
            (not isinstance(data.get("in_shape"), (tuple, list)) or len(data["in_shape"]) != 3
             or not all(_positive_int(s) for s in data["in_shape"]), "data.in_shape must be 3 positive integers"),
        ]
    bad = [why for failed, why in problems if failed]
    if bad:
        raise CheckpointError(f"{name!r} is damaged or edited: {'; '.join(bad)}")
    return ckpt


def _is_plain(value: Any) -> bool:
    """A JSON-like option value (what model kwargs are), not a tensor or anything else."""
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return value is None or isinstance(value, (bool, int, float, str))


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def load_model(
    path: str | os.PathLike[str], device: torch.device | str | None = "cpu"
) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the registered network a checkpoint names, load its weights, return it in eval mode."""
    ckpt = read_checkpoint(path)
    if not ckpt.get("model"):
        raise CheckpointError(
            f"checkpoint {os.fspath(path)!r} names no registered model (it was saved without a ModelSpec)"
        )
    data = ckpt["data"]
    try:
        spec = ModelSpec(ckpt["model"], ckpt["model_kwargs"])
        model = spec.build(tuple(data["in_shape"]), data["n_classes"], seed=0)  # the weights are loaded next
        model.load_state_dict(ckpt["state_dict"])
    except (TypeError, ValueError, KeyError, RuntimeError) as err:
        if isinstance(err, SpikeslimError):
            raise CheckpointError(f"checkpoint {os.fspath(path)!r}: {err}") from err
        raise CheckpointError(f"checkpoint {os.fspath(path)!r} does not rebuild its network "
                              f"{ckpt['model']} {ckpt['model_kwargs']}: {first_line(err)}") from err
    return model.to(device).eval(), ckpt
