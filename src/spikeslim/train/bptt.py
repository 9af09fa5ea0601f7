"""How `fit` sends the gradient through time (`TrainConfig.bptt`): full BPTT, SLTT, online SLTT.

"sltt" sets every LIF layer's `sltt` flag for the run, dropping the gradient along the membrane
from one step to the next (the graph of all T steps is still held). "online" computes that same
gradient one step at a time (`snn.online`), so memory held for backward is constant in T; the
two agree only for a mean of per-step losses (loss "tet") on frames no layer but the neurons
couples, hence `check_bptt`'s refusals.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn

from spikeslim.errors import InvalidConfigError
from spikeslim.snn.online import online_backward
from spikeslim.snn.record import spiking_layers
from spikeslim.train.config import TrainConfig
from spikeslim.train.losses import ExampleLoss, per_example_loss


def check_bptt(model: nn.Module, config: TrainConfig, loss: ExampleLoss | None) -> None:
    """Refuse, before any training, a model or loss hook the config's `bptt` cannot train correctly."""
    if config.bptt == "full":
        return
    name = type(model).__name__
    if not spiking_layers(model):
        raise InvalidConfigError(f"bptt {config.bptt!r} changes how LIF layers backpropagate; {name} has none")
    if config.bptt != "online":
        return
    if loss is not None:
        raise InvalidConfigError(f"bptt 'online' cannot use the loss hook {loss.key!r}: it needs all T steps' "
                                 "logits at once; use bptt 'sltt'")
    norms = [n for n, m in model.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if norms:
        raise InvalidConfigError(f"bptt 'online' cannot train {name}: its batch norm {norms[0]!r} would see one "
                                 "step's statistics, not the sequence's; use bptt 'sltt' or an instance-norm model (convnet)")


@contextmanager
def sltt_flags(model: nn.Module, on: bool) -> Iterator[None]:
    """With `on`, every LIF layer has `sltt=True` inside the block; each gets its own flag back after."""
    layers = spiking_layers(model) if on else []
    saved = [layer.sltt for layer in layers]
    for layer in layers:
        layer.sltt = True
    try:
        yield
    finally:
        for layer, flag in zip(layers, saved):
            layer.sltt = flag


def online_step(
    net: nn.Module, x: torch.Tensor, y: torch.Tensor, w: torch.Tensor, tet_lambda: float, with_features: bool
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Accumulate the gradient of mean_i w_i * tet_loss_i one step at a time; detached logits (and features).

    The per-step loss is mean_i w_i * loss_t,i, so its mean over steps is the weighted TET loss.
    """

    def step_loss(logits_t: torch.Tensor) -> torch.Tensor:
        return (per_example_loss(logits_t[None], y, "tet", tet_lambda) * w).mean()

    if with_features:
        _, logits, features = online_backward(net, x, step_loss, return_features=True)
        return logits, features
    return online_backward(net, x, step_loss)[1], None
