"""Record every spiking layer's dense states (spikes, v_pre, v_post) during forward passes.

PACE matches these membrane features instead of the sparse spikes, so the recorded tensors keep
their autograd graph: a loss on them sends gradients back to the input frames.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from torch import nn

from spikeslim.snn.neurons import LIF, LIFOutput


def spiking_layers(model: nn.Module) -> list[LIF]:
    """The model's LIF layers in registration order (forward order for the built-in models)."""
    return [m for m in model.modules() if isinstance(m, LIF)]


@contextmanager
def record_states(model: nn.Module) -> Iterator[list[LIFOutput]]:
    """Yield a list that receives one LIFOutput per spiking layer call, in call order."""
    layers = spiking_layers(model)
    if not layers:
        raise ValueError(f"{type(model).__name__} has no spiking (LIF) layers to record")
    states: list[LIFOutput] = []
    previous = [layer.recorder for layer in layers]
    for layer in layers:
        layer.recorder = states
    try:
        yield states
    finally:
        for layer, rec in zip(layers, previous):
            layer.recorder = rec
