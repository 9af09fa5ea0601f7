"""PEQ-N: the synthetic frames every forward pass sees are non-negative integer event counts.

The learnable latent `u` lives in [0, 1] (kept there by projection after each optimiser step,
so gradients stay alive at the boundary, unlike a sigmoid whose slope vanishes at empty pixels).
Counts are `u * scale`, `scale` being a high percentile of the real data's non-zero counts, and
are rounded stochastically: up with probability equal to the fractional part, so the expected
count equals the continuous value. The backward pass is straight-through (identity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from spikeslim.condense.base import CondenseError


def stochastic_round(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Round each value up with probability frac(x), down otherwise; gradient passes unchanged."""
    floor = torch.floor(x)
    noise = torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    rounded = floor + (noise < (x - floor)).to(x.dtype)
    return x + (rounded - x).detach()


def count_scale(frames: np.ndarray, percentile: float = 99.9) -> float:
    """The count range of real data: a high percentile of its non-zero per-pixel counts (>= 1)."""
    values = np.asarray(frames).ravel()
    nonzero = values[values > 0]
    if nonzero.size == 0:
        raise CondenseError("the real frames hold no events; cannot set the count range")
    return max(1.0, float(np.percentile(nonzero, percentile)))


EXPORT_ROUNDINGS = ("sample", "nearest")


@dataclass(frozen=True)
class PEQN:
    """Maps a normalised latent in [0, 1] to event counts in [0, scale].

    `stochastic=False` is the `--no-peq` ablation: continuous counts, no rounding during
    optimisation (the saved set is still rounded, as a set file holds integer counts).
    """

    scale: float
    stochastic: bool = True
    export_rounding: str = "sample"  # or "nearest": see `export`

    def __post_init__(self) -> None:
        if not self.scale > 0:
            raise CondenseError(f"PEQ-N count scale must be positive, got {self.scale}")
        if self.export_rounding not in EXPORT_ROUNDINGS:
            raise CondenseError(f"export rounding {self.export_rounding!r} is not one of {', '.join(EXPORT_ROUNDINGS)}")

    def encode(self, counts: torch.Tensor) -> torch.Tensor:
        """Latent whose continuous value reproduces `counts` (clipped to the count range)."""
        return (counts / self.scale).clamp(0.0, 1.0)

    def __call__(self, latent: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        counts = latent * self.scale
        return stochastic_round(counts, generator) if self.stochastic else counts

    def project_(self, latent: torch.Tensor) -> None:
        """Keep the latent in [0, 1] after an optimiser step (in place, outside autograd)."""
        with torch.no_grad():
            latent.clamp_(0.0, 1.0)

    def export(self, latent: torch.Tensor, seed: int) -> np.ndarray:
        """The integer frames that are saved: one stochastic rounding drawn with `seed` ("sample"),
        or each count rounded to the nearest integer ("nearest").

        Why a sample by default: it keeps the expected event count and is the kind of frame the
        networks were matched on. "nearest" erases every pixel below half an event: the faint
        haze optimisation spreads over empty pixels (docs/pace.md), but also a real faint pixel.
        """
        gen = torch.Generator(device=latent.device).manual_seed(seed)
        with torch.no_grad():
            continuous = latent.detach() * self.scale
            counts = continuous.round() if self.export_rounding == "nearest" else stochastic_round(continuous, gen)
        return counts.clamp_min(0).round().cpu().numpy().astype(np.float32)
