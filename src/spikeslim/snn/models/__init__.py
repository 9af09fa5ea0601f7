"""The model registry: one line per model, naming the module whose `build(...)` makes it.

Every model maps x[T, B, C, H, W] (float counts) to per-step logits [T, B, n_classes], and with
`return_features=True` also returns the classifier's input features [T, B, D].
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Sequence

import torch
from torch import nn

from spikeslim.errors import InvalidConfigError, UnknownNameError
from spikeslim.safeio import first_line

_MODULES: dict[str, str] = {
    "convnet": "spikeslim.snn.models.convnet",
    "vggsnn": "spikeslim.snn.models.vggsnn",
    "scnn": "spikeslim.snn.models.scnn",
    "deploy": "spikeslim.snn.models.deploy",  # NIR-expressible (spikeslim.export)
    "qcfs": "spikeslim.snn.models.qcfs",  # HSD teachers and students (trained by spikeslim.latency)
}


def build_model(name: str, *, in_shape: Sequence[int], n_classes: int, **kwargs: Any) -> nn.Module:
    """Build a registered model; kwargs are the model's own options (depth, width, norm, neuron...)."""
    if name not in _MODULES:
        raise UnknownNameError(f"unknown model {name!r}; known models: {', '.join(_MODULES)}")
    build = importlib.import_module(_MODULES[name]).build
    try:
        return build(in_shape=tuple(in_shape), n_classes=n_classes, **kwargs)
    except (TypeError, ValueError, OverflowError, RuntimeError) as err:  # an unknown option, a value it cannot take or hold
        raise InvalidConfigError(f"model {name!r} with {kwargs}: {first_line(err)}") from err


@dataclass(frozen=True)
class ModelSpec:
    """Which network to build: a registered model's name and its own options (`kwargs`).

    Checkpoints record it (`model`, `model_kwargs`) and `train.load_model` rebuilds from it;
    every method that builds networks (trainer, evaluation, proxies, distillers) names them so.
    """

    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in _MODULES:
            raise UnknownNameError(f"unknown model {self.name!r}; known models: {', '.join(_MODULES)}")
        if not isinstance(self.kwargs, dict) or not all(isinstance(k, str) for k in self.kwargs):
            raise InvalidConfigError(f"model {self.name!r}: options must be a dict by name, got {self.kwargs!r}")
        object.__setattr__(self, "kwargs", dict(self.kwargs))  # a caller's later edits cannot reach it

    def build(self, in_shape: Sequence[int], n_classes: int, *, seed: int) -> nn.Module:
        """A fresh network whose initial weights depend only on `seed`.

        The same weights as `torch.manual_seed(seed)` then `build_model(...)`, but drawn inside
        `torch.random.fork_rng` from the CPU generator alone, so the caller's global random state
        (CPU and CUDA) is as it was.
        """
        with torch.random.fork_rng(devices=[]):
            torch.random.default_generator.manual_seed(int(seed))
            return build_model(self.name, in_shape=in_shape, n_classes=n_classes, **self.kwargs)
