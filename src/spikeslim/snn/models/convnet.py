"""ConvNet-D, the dataset-distillation standard network, with spiking activations.

Depth D blocks of conv 3x3 (width) -> norm -> LIF -> 2x2 average pooling, then a Linear readout.
Defaults D=3, width 128, instance norm, as in DC/DM.
"""

from __future__ import annotations

from typing import Any, Sequence

from spikeslim.snn.models.spiking_cnn import POOL, SpikingCNN


def build(*, in_shape: Sequence[int], n_classes: int, depth: int = 3, width: int = 128, norm: str = "instance", **kwargs: Any) -> SpikingCNN:
    if depth < 1 or width < 1:
        raise ValueError(f"convnet needs depth >= 1 and width >= 1, got depth={depth}, width={width}")
    return SpikingCNN([width, POOL] * depth, in_shape=in_shape, n_classes=n_classes, norm=norm, **kwargs)
