"""SCNN: a small strided spiking CNN at full sensor size, the protocol's CPU evaluation network.

Two (by default) blocks of conv 3x3 stride 2 -> batch norm -> LIF, then a Linear readout. Strided
convolutions keep full resolution at the input and cost a fraction of ConvNet-3 at width 128,
so networks strong enough to tell methods apart train in minutes on two CPU cores
(docs/protocol.md has the curves). Widths double per block from `width`.
"""

from __future__ import annotations

from typing import Any, Sequence

from spikeslim.snn.models.spiking_cnn import SpikingCNN


def build(*, in_shape: Sequence[int], n_classes: int, depth: int = 2, width: int = 32, norm: str = "batch",
          **kwargs: Any) -> SpikingCNN:
    if depth < 1 or width < 1:
        raise ValueError(f"scnn needs depth >= 1 and width >= 1, got depth={depth}, width={width}")
    plan = [(width * 2 ** i, 2) for i in range(depth)]
    return SpikingCNN(plan, in_shape=in_shape, n_classes=n_classes, norm=norm, **kwargs)
