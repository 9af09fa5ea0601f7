"""From stored integer count frames to network input, one batch at a time."""

from __future__ import annotations

import numpy as np
import torch

from spikeslim.datasets.base import FrameSet


def to_input(frames: np.ndarray | torch.Tensor, device: torch.device | str | None = None) -> torch.Tensor:
    """Batch of count frames `[B, T, 2, H, W]` -> float counts `[T, B, 2, H, W]` on `device`.

    The one conversion used for real and synthetic frames alike. Integers travel to the device
    before the cast (4x less to copy for uint8); tensors keep their autograd graph.
    """
    if isinstance(frames, np.ndarray):  # torch warns on read-only arrays (a memmap's rows): copy those
        frames = torch.from_numpy(np.ascontiguousarray(frames) if frames.flags.writeable else np.array(frames))
    if frames.ndim != 5:
        raise ValueError(f"to_input expects frames [B, T, 2, H, W], got shape {tuple(frames.shape)}")
    return frames.to(device).float().transpose(0, 1)


def batch(data: FrameSet, indices: np.ndarray, device: torch.device | str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Input `[T, B, 2, H, W]` and labels `[B]` for `indices` (pass them sorted: memmaps read faster)."""
    return to_input(data.frames[indices], device), torch.from_numpy(data.labels[indices]).to(device)


def batches(n: int, batch_size: int):
    """Consecutive slices covering range(n)."""
    for start in range(0, n, batch_size):
        yield slice(start, min(start + batch_size, n))
