"""The tests' one tiny spiking network, and a learnable tiny FrameSet, so trainer and sampler
tests need no model from the registry.

A module of its own (not a conftest) so test packages and the torchrun worker script share it;
tests/conftest.py puts this folder on sys.path, the worker gets it through PYTHONPATH.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.snn.neurons import LIF


class TinySNN(nn.Module):
    """Follows the models contract: [T, B, 2, H, W] -> logits [T, B, C] (+ features [T, B, D])."""

    def __init__(self, in_shape: tuple[int, int, int], n_classes: int, hidden: int = 16) -> None:
        super().__init__()
        self.fc1 = nn.Linear(int(np.prod(in_shape)), hidden)
        self.lif = LIF()
        self.fc2 = nn.Linear(hidden, n_classes)

    def forward(self, x: torch.Tensor, return_features: bool = False):
        features = self.lif(self.fc1(x.flatten(2)))
        logits = self.fc2(features)
        return (logits, features) if return_features else logits


def quadrant_frames(n: int, T: int = 4, size: int = 8, seed: int = 0) -> FrameSet:
    """Class c puts its events in image quadrant c (plus noise): easy, but needs learning."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n, dtype=np.int64) % 4
    frames = rng.poisson(0.2, size=(n, T, 2, size, size))
    h = size // 2
    for i, c in enumerate(labels):
        r, q = divmod(int(c), 2)
        frames[i, :, :, r * h : (r + 1) * h, q * h : (q + 1) * h] += rng.poisson(1.5, size=(T, 2, h, h))
    return FrameSet(frames.astype(np.uint8), labels, 4, FrameSpec("quadrants", T))
