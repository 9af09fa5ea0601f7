"""The model registry: one line per model, naming the module whose `build(...)` makes it.

Every model maps x[T, B, C, H, W] (float counts) to per-step logits [T, B, n_classes], and with
`return_features=True` also returns the classifier's input features [T, B, D].
"""

from __future__ import annotations

import importlib
from typing import Any, Sequence

from torch import nn

from spikeslim.errors import InvalidConfigError, UnknownNameError

_MODULES: dict[str, str] = {
    "convnet": "spikeslim.snn.models.convnet",
    "vggsnn": "spikeslim.snn.models.vggsnn",
    "scnn": "spikeslim.snn.models.scnn",
    "deploy": "spikeslim.snn.models.deploy",  # NIR-expressible (spikeslim.export)
    "qcfs": "spikeslim.snn.models.qcfs",  # HSD teachers and students (trained by spikeslim.latency)
}


def names() -> list[str]:
    return list(_MODULES)


def build_model(name: str, *, in_shape: Sequence[int], n_classes: int, **kwargs: Any) -> nn.Module:
    """Build a registered model; kwargs are the model's own options (depth, width, norm, neuron...)."""
    if name not in _MODULES:
        raise UnknownNameError(f"unknown model {name!r}; known models: {', '.join(_MODULES)}")
    build = importlib.import_module(_MODULES[name]).build
    try:
        return build(in_shape=tuple(in_shape), n_classes=n_classes, **kwargs)
    except (TypeError, ValueError, RuntimeError) as err:  # an unknown option, a value it cannot take or hold
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]  # torch's messages span lines
        raise InvalidConfigError(f"model {name!r} with {kwargs}: {first}") from err
