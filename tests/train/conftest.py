"""Fixtures of the trainer tests: tiny data and the tiny spiking network (tests/toys.py)."""

import pytest
import torch

from spikeslim.datasets.base import FrameSet
from toys import TinySNN, quadrant_frames


@pytest.fixture
def tiny_train() -> FrameSet:
    return quadrant_frames(64, seed=0)


@pytest.fixture
def tiny_test() -> FrameSet:
    return quadrant_frames(32, seed=1)


@pytest.fixture
def make_net():
    def make(seed: int = 0, data: FrameSet | None = None) -> TinySNN:
        torch.manual_seed(seed)
        return TinySNN((2, 8, 8), 4)

    return make
