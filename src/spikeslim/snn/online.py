"""Online training (SLTT): forward and backward one time step at a time, memory constant in T.

Spatial learning through time drops the gradient along the membrane from one step to the next.
Then each step's loss depends on that step's graph only, so the graph can be freed right after
its backward: peak memory is one step's graph whatever T is. For a loss that is a mean of
per-step losses (TET-style), the accumulated gradient equals full-sequence backprop through a
model whose LIF layers have `sltt=True`. Frames must be independent of one another in every
non-neuron layer (instance norm or none); batch norm would see one step's statistics instead
of the whole sequence's.
"""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import Tensor, nn

from spikeslim.snn.record import spiking_layers


def online_backward(
    model: nn.Module, x: Tensor, step_loss: Callable[[Tensor], Tensor], *, return_features: bool = False
) -> tuple[Any, ...]:
    """Accumulate into `.grad` the gradient of mean_t step_loss(logits_t) for x[T, B, ...].

    Returns the loss value and the detached per-step logits [T, B, C]; with `return_features`
    the model is called so, and its detached features [T, B, D] come third (what a pruning
    sampler observes). The caller zeroes gradients and steps the optimiser as usual.
    """
    layers = spiking_layers(model)
    saved = [(layer.carry_state, layer.state) for layer in layers]
    for layer in layers:
        layer.carry_state, layer.state = True, None  # carried state is stored detached
    steps = x.shape[0]
    total, logits, features = 0.0, [], []
    try:
        for t in range(steps):
            out, feats = model(x[t : t + 1], return_features=True) if return_features else (model(x[t : t + 1]), None)
            loss = step_loss(out[0]) / steps
            loss.backward()
            total += float(loss.detach())
            logits.append(out.detach())
            if feats is not None:
                features.append(feats.detach())
    finally:
        for layer, (carry, state) in zip(layers, saved):
            layer.carry_state, layer.state = carry, state
    return (total, torch.cat(logits), torch.cat(features)) if return_features else (total, torch.cat(logits))
