"""SDR features: what PACE matches, read from every spiking layer with `snn.record_states`.

With SDR on, a layer's feature is its dense membrane state, the potential before the spike
(v_pre) and the residual after reset (v_post), instead of the sparse binary spikes, whose
gradient is zero almost everywhere and whose mean hides sub-threshold structure.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from spikeslim.snn.record import record_states


class LayerFeatures(NamedTuple):
    seq: torch.Tensor  # [T, B, D]: the layer's full state, flattened per step
    summary: torch.Tensor  # [B, T * C']: channel means per step, what the CF projection sees


def spiking_features(net: nn.Module, x: torch.Tensor, *, sdr: bool = True) -> list[LayerFeatures]:
    """Run `net` on x [T, B, 2, H, W] and return one LayerFeatures per spiking layer, in order."""
    with record_states(net) as states:
        net(x)
    out = []
    for state in states:
        parts = (state.v_pre, state.v_post) if sdr else (state.spikes,)
        seq = torch.cat([p.flatten(2) for p in parts], dim=2)
        pooled = [p.mean(dim=tuple(range(3, p.dim()))) if p.dim() > 3 else p for p in parts]
        summary = torch.cat(pooled, dim=2).transpose(0, 1).flatten(1)
        out.append(LayerFeatures(seq, summary))
    return out
