"""The latency tests' data: two classes a few epochs of a tiny QCFSNet tell apart."""

import numpy as np
import pytest
import torch

from spikeslim.datasets.base import FrameSet, FrameSpec


def _frames(n: int, seed: int) -> FrameSet:
    """Events fall in the left or the right half of an 8x8 sensor, over F = 4 frames."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    rate = np.full((n, 4, 2, 8, 8), 0.1)
    for i, y in enumerate(labels):
        rate[i, :, :, :, 4 * y : 4 * y + 4] = 1.5
    return FrameSet(rng.poisson(rate).astype(np.uint16), labels.astype(np.int64), 2, FrameSpec("toy", 4))


@pytest.fixture(scope="session")
def halves() -> tuple[FrameSet, FrameSet]:
    """(train, test): 32 and 16 samples at F = 4 frames; one torch thread, so runs are quick and exact."""
    torch.set_num_threads(1)
    return _frames(32, 0), _frames(16, 1)
