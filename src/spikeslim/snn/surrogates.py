"""Surrogate gradients: a Heaviside spike forward, a smooth stand-in derivative backward.

Each surrogate is a small frozen object holding its width parameter. `grad(x)` is the stand-in
derivative dS/dx used wherever a spike is differentiated (the fused neuron's hand-written
backward calls it directly); `spike(x)` is the autograd-ready Heaviside for plain loops.
`grad` stays out-of-place so that autograd can differentiate it again (DC's gradient matching
runs double backward through `lif_multistep_loop`); it is a small share of a training step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from spikeslim.errors import UnknownNameError


class _Heaviside(torch.autograd.Function):
    """Forward: 1 where x >= 0. Backward: the surrogate's derivative."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, surrogate: "Surrogate") -> Tensor:
        ctx.save_for_backward(x)
        ctx.surrogate = surrogate
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx: Any, grad_out: Tensor) -> tuple[Tensor, None]:
        (x,) = ctx.saved_tensors
        return grad_out * ctx.surrogate.grad(x), None


class Surrogate:
    """Base of all surrogates: subclasses only say what the stand-in derivative is."""

    def spike(self, x: Tensor) -> Tensor:
        """Heaviside step of `x` (threshold already subtracted), differentiable via `grad`."""
        return _Heaviside.apply(x, self)

    def grad(self, x: Tensor) -> Tensor:
        raise NotImplementedError


@dataclass(frozen=True)
class ATan(Surrogate):
    """Derivative of 1/pi * arctan(pi/2 * alpha * x) + 1/2 (SpikingJelly's default, alpha 2)."""

    alpha: float = 2.0

    def grad(self, x: Tensor) -> Tensor:
        return (self.alpha / 2) / (1 + (math.pi / 2 * self.alpha * x).square())


@dataclass(frozen=True)
class Sigmoid(Surrogate):
    """Derivative of sigmoid(alpha * x); alpha sets the sharpness."""

    alpha: float = 4.0

    def grad(self, x: Tensor) -> Tensor:
        sig = torch.sigmoid(self.alpha * x)
        return self.alpha * sig * (1 - sig)


@dataclass(frozen=True)
class Rectangle(Surrogate):
    """Straight-through inside a window: 1/width where |x| < width/2, else 0 (unit area)."""

    width: float = 1.0

    def grad(self, x: Tensor) -> Tensor:
        return (x.abs() < self.width / 2).to(x.dtype) / self.width


@dataclass(frozen=True)
class Triangle(Surrogate):
    """Tent of half-width `width` and unit area: max(0, width - |x|) / width^2 (HSD's student)."""

    width: float = 1.0

    def grad(self, x: Tensor) -> Tensor:
        return (self.width - x.abs()).clamp(min=0) / self.width**2


_SURROGATES: dict[str, type[Surrogate]] = {
    "atan": ATan,
    "sigmoid": Sigmoid,
    "rectangle": Rectangle,
    "triangle": Triangle,
}


def make_surrogate(spec: str | Surrogate) -> Surrogate:
    """Accept a surrogate object or a name (with its default width), as configs and the CLI give."""
    if isinstance(spec, Surrogate):
        return spec
    if spec not in _SURROGATES:
        raise UnknownNameError(f"unknown surrogate {spec!r}; known surrogates: {', '.join(_SURROGATES)}")
    return _SURROGATES[spec]()
