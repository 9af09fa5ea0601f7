"""Small stand-ins for the trainer's tensors (a linear spiking readout on random binary spikes), a
random FrameSet, and the shared TinySNN (tests/toys.py) sized for it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spikeslim.datasets.base import FrameSet
from toys import TinySNN


@pytest.fixture
def spikes() -> tuple[torch.Tensor, torch.Tensor, torch.nn.Linear]:
    """features [T, B, D] binary spikes, labels [B], and a readout Linear D -> C (float64)."""
    g = torch.Generator().manual_seed(0)
    T, B, D, C = 5, 12, 16, 4
    features = (torch.rand(T, B, D, generator=g) < torch.rand(1, B, 1, generator=g)).double()
    labels = torch.randint(0, C, (B,), generator=g)
    readout = torch.nn.Linear(D, C).double()
    with torch.no_grad():
        readout.weight.copy_(torch.randn(C, D, generator=g))
        readout.bias.copy_(torch.randn(C, generator=g))
    return features, labels, readout


@pytest.fixture
def frameset() -> FrameSet:
    """40 random 4-class samples [T=3, 2, 4, 4]: only the count matters to most samplers."""
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 3, size=(40, 3, 2, 4, 4)).astype(np.uint8)
    return FrameSet(frames, np.arange(40, dtype=np.int64) % 4, 4)


@pytest.fixture
def tiny_model_factory():
    """Fresh TinySNNs for the frameset's [T=3, 2, 4, 4] samples."""
    return lambda: TinySNN((2, 4, 4), 4)
