"""Event-frame augmentation: random horizontal flip and translation, the same for every time step.

Works on network input `[T, B, 2, H, W]` on any device and is differentiable, so distillation can
push synthetic frames through exactly the augmentation the trainer uses. Drawing the parameters
(`draw`) is separate from applying them (`apply`) so real and synthetic batches can share one draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F


class AugmentDraw(NamedTuple):
    """One draw per sample (or a single draw, batch 1, shared by a whole batch)."""

    flip: torch.Tensor  # [B] bool
    dy: torch.Tensor  # [B] int64, rows moved down
    dx: torch.Tensor  # [B] int64, columns moved right


@dataclass(frozen=True)
class FrameAugment:
    """Random flip (probability 1/2) and shift of up to `shift` x the frame size, zero fill."""

    flip: bool = True
    shift: float = 0.125

    def max_shift(self, height: int, width: int) -> int:
        return int(round(self.shift * min(height, width)))

    def draw(self, batch: int, height: int, width: int, generator: torch.Generator | None = None) -> AugmentDraw:
        s = self.max_shift(height, width)
        flip = torch.rand(batch, generator=generator) < 0.5 if self.flip else torch.zeros(batch, dtype=torch.bool)
        dy, dx = torch.randint(-s, s + 1, (2, batch), generator=generator)
        return AugmentDraw(flip, dy, dx)

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Augment a batch `[T, B, 2, H, W]` with an independent draw per sample."""
        return apply(x, self.draw(x.shape[1], x.shape[-2], x.shape[-1], generator))



#: Shifts of up to 10% and no flips: the augmentation of the evaluation protocol, of every teacher
#: and of the distillers' Siamese batches. A mirrored digit is no digit and a mirrored motion is
#: another motion class, so flips are opt-in (`spikeslim train --augment --flip`).
SHIFTS = FrameAugment(flip=False, shift=0.1)

def apply(x: torch.Tensor, draw: AugmentDraw) -> torch.Tensor:
    """Flip then translate each sample of `x [T, B, C, H, W]`; pixels shifted in are zero."""
    T, B, C, H, W = x.shape
    flip = draw.flip.to(x.device).expand(B)
    x = torch.where(flip.view(1, B, 1, 1, 1), x.flip(-1), x)
    s = int(max(draw.dy.abs().max(), draw.dx.abs().max()))
    if s == 0:
        return x
    padded = F.pad(x, (s, s, s, s))
    rows = (s - draw.dy.to(x.device)).view(-1, 1) + torch.arange(H, device=x.device)  # [B|1, H]
    cols = (s - draw.dx.to(x.device)).view(-1, 1) + torch.arange(W, device=x.device)  # [B|1, W]
    rows = rows.expand(B, H).view(1, B, 1, H, 1).expand(T, B, C, H, W + 2 * s)
    x = padded.gather(3, rows)
    cols = cols.expand(B, W).view(1, B, 1, 1, W).expand(T, B, C, H, W)
    return x.gather(4, cols)
