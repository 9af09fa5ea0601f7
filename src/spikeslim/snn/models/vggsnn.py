"""VGGSNN, the VGG-style SNN used on DVS data (TET, CIFAR10-DVS / DVS128 Gesture).

64C3-128C3-AP2-256C3-256C3-AP2-512C3-512C3-AP2-512C3-512C3-AP2-FC with batch norm by default;
`width` scales every layer (64 is the published network).
"""

from __future__ import annotations

from typing import Any, Sequence

from spikeslim.snn.models.spiking_cnn import POOL, SpikingCNN


def build(*, in_shape: Sequence[int], n_classes: int, width: int = 64, norm: str = "batch", **kwargs: Any) -> SpikingCNN:
    if width < 1:
        raise ValueError(f"vggsnn needs width >= 1, got {width}")
    w = [width * m for m in (1, 2, 4, 8)]
    plan = [w[0], w[1], POOL, w[2], w[2], POOL, w[3], w[3], POOL, w[3], w[3], POOL]
    return SpikingCNN(plan, in_shape=in_shape, n_classes=n_classes, norm=norm, **kwargs)
