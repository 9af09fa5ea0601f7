"""Coarser frames from finer ones: the student's T frames are the teacher's F frames, regrouped.

Summing groups of consecutive frames moves no event across a bin it did not already share, so
every event is kept and, when T divides F with time binning, the result equals binning the raw
stream into T equal time windows. When T does not divide F, each fine frame goes whole to the
coarse bin holding its centre: groups then differ in size by at most one frame, counts stay
integer and conserved, and order in time is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spikeslim.errors import InvalidConfigError


def group_index(n_fine: int, n_coarse: int) -> np.ndarray:
    """Coarse bin of each fine frame: floor((i + 1/2) T / F), a monotone map onto 0..T-1."""
    if n_coarse < 1 or n_coarse > n_fine:
        raise InvalidConfigError(f"cannot rebin {n_fine} frames into {n_coarse}: need 1 <= T <= {n_fine}")
    return ((2 * np.arange(n_fine) + 1) * n_coarse) // (2 * n_fine)


def rebin_frames(frames: np.ndarray, n_coarse: int, axis: int = 1) -> np.ndarray:
    """Sum consecutive frames along `axis` (time) into `n_coarse` bins; dtype widened, never wrapped."""
    n_fine = frames.shape[axis]
    idx = group_index(n_fine, n_coarse)
    starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
    # Counts of several frames may overflow a narrow dtype such as uint8: accumulate wider.
    wide = np.promote_types(frames.dtype, np.uint32) if frames.dtype.kind == "u" else frames.dtype
    return np.add.reduceat(frames, starts, axis=axis, dtype=wide)


@dataclass(frozen=True)
class Rebin:
    """tonic-style transform: frames [F, 2, H, W] -> [T, 2, H, W] by summing consecutive frames."""

    n_time_bins: int

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        return rebin_frames(frames, self.n_time_bins, axis=0)
