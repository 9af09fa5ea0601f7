"""Spike-rate and synaptic-operation counters, gathered by forward hooks while a block runs.

Why both: accuracy alone hides cost. The spike rate says how sparse the network is; synaptic
operations (SynOps) count the multiply-accumulates whose input is non-zero, which is the work
an event-driven chip actually does, beside the dense MAC count a GPU does regardless.
Only `nn.Conv2d` and `nn.Linear` are counted as synapses; the first layer's input is the event
counts themselves, so its SynOps are the events times their fan-out.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from spikeslim.snn.neurons import LIF


@dataclass
class ActivityStats:
    """Totals over every forward pass inside `count_activity`, keyed by module name."""

    spikes: dict[str, float] = field(default_factory=dict)
    neuron_steps: dict[str, int] = field(default_factory=dict)
    synops: dict[str, float] = field(default_factory=dict)
    macs: dict[str, float] = field(default_factory=dict)
    samples: int = 0

    def spike_rate(self) -> float:
        """Spikes per neuron per time step over all spiking layers (0.0 if nothing ran)."""
        steps = sum(self.neuron_steps.values())
        return sum(self.spikes.values()) / steps if steps else 0.0

    def synops_per_sample(self) -> float:
        return sum(self.synops.values()) / self.samples if self.samples else 0.0

    def rows(self) -> list[dict[str, Any]]:
        """One row per counted layer, for `spikeslim.report.write_report` tables."""
        rows: list[dict[str, Any]] = []
        for name, spikes in self.spikes.items():
            rows.append({"layer": name, "kind": "spiking", "spike_rate": spikes / max(self.neuron_steps[name], 1)})
        for name, ops in self.synops.items():
            per = max(self.samples, 1)
            rows.append({"layer": name, "kind": "synapse", "synops": ops / per, "macs": self.macs[name] / per})
        return rows


def synaptic_ops(layer: nn.Module, x: Tensor) -> tuple[float, float]:
    """(SynOps, MACs) of one call of a Conv2d or Linear on input `x`.

    SynOps = sum over outputs of the non-zero inputs in their receptive field, computed exactly
    (padding and borders included) by convolving the non-zero mask with an all-ones kernel.
    """
    nonzero = (x != 0).to(torch.float32)
    if isinstance(layer, nn.Linear):
        return float(nonzero.sum()) * layer.out_features, float(x.numel()) * layer.out_features
    if isinstance(layer, nn.Conv2d):
        if isinstance(layer.padding, str) or layer.padding_mode != "zeros":
            raise ValueError(f"synaptic_ops supports numeric zero padding only, got {layer}")
        g = layer.groups
        batch, channels = nonzero.shape[0], nonzero.shape[1]
        per_group = nonzero.view(batch, g, channels // g, *nonzero.shape[2:]).sum(2)
        ones = torch.ones(g, 1, *layer.kernel_size, device=x.device)
        kw = dict(stride=layer.stride, padding=layer.padding, dilation=layer.dilation, groups=g)
        reads = F.conv2d(per_group, ones, **kw).sum()
        dense = F.conv2d(torch.full_like(per_group, channels // g), ones, **kw).sum()
        fan = layer.out_channels // g
        return float(reads) * fan, float(dense) * fan
    raise TypeError(f"synaptic_ops counts Conv2d and Linear layers, not {type(layer).__name__}")


@contextmanager
def count_activity(model: nn.Module) -> Iterator[ActivityStats]:
    """Count spikes of every LIF layer and SynOps of every Conv2d/Linear while the block runs.

    The model's input is taken to be [T, B, ...], so `samples` grows by B per forward pass.
    """
    stats = ActivityStats()

    def on_input(_module: nn.Module, args: tuple[Any, ...]) -> None:
        if args and isinstance(args[0], Tensor) and args[0].dim() > 1:
            stats.samples += int(args[0].shape[1])

    def on_spikes(name: str):
        def hook(_module: nn.Module, _args: Any, out: Tensor) -> None:
            stats.spikes[name] = stats.spikes.get(name, 0.0) + float(out.detach().sum())
            stats.neuron_steps[name] = stats.neuron_steps.get(name, 0) + out.numel()

        return hook

    def on_synapse(name: str):
        def hook(module: nn.Module, args: tuple[Tensor, ...], _out: Tensor) -> None:
            with torch.no_grad():
                ops, dense = synaptic_ops(module, args[0])
            stats.synops[name] = stats.synops.get(name, 0.0) + ops
            stats.macs[name] = stats.macs.get(name, 0.0) + dense

        return hook

    handles = [model.register_forward_pre_hook(on_input)]
    for name, module in model.named_modules():
        if isinstance(module, LIF):
            handles.append(module.register_forward_hook(on_spikes(name)))
        elif isinstance(module, (nn.Conv2d, nn.Linear)):
            handles.append(module.register_forward_hook(on_synapse(name)))
    try:
        yield stats
    finally:
        for handle in handles:
            handle.remove()
