"""QCFS, the quantised clip-floor activation: an ANN trained with it converts to an IF-neuron SNN
whose spike counts over few steps reproduce the ANN's activations (Bu et al., ICLR 2022).

h(x) = lambda * clamp(floor(x L / lambda + 1/2) / L, 0, 1): L levels, the upper bound lambda is
learned and later becomes the spiking threshold; the floor passes gradients straight through.
"""

from __future__ import annotations

import torch
from torch import nn

from spikeslim.errors import InvalidConfigError
from spikeslim.snn.neurons import LIF, LIFParams
from spikeslim.snn.surrogates import Triangle


def floor_ste(x: torch.Tensor) -> torch.Tensor:
    """floor in the forward pass, identity in the backward pass (straight-through estimator)."""
    return x + (torch.floor(x) - x).detach()


def qcfs(x: torch.Tensor, bound: torch.Tensor, levels: int) -> torch.Tensor:
    """The clip-floor activation with `levels` steps between 0 and `bound`."""
    return bound * (floor_ste(x * levels / bound + 0.5) / levels).clamp(0.0, 1.0)


class QCFS(nn.Module):
    """QCFS with a learnable upper bound (initialised at `bound`, 8 in the HSD code)."""

    def __init__(self, levels: int = 4, bound: float = 8.0) -> None:
        super().__init__()
        if levels < 1 or bound <= 0:
            raise InvalidConfigError(f"QCFS needs levels >= 1 and bound > 0, got levels={levels}, bound={bound}")
        self.levels = levels
        self.bound = nn.Parameter(torch.tensor(float(bound)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return qcfs(x, self.bound, self.levels)

    def extra_repr(self) -> str:
        return f"levels={self.levels}"


#: The converted neuron: IF (no leak), threshold 1 after scaling by 1/lambda, soft reset.
IF_SOFT = LIFParams(tau=None, v_threshold=1.0, soft_reset=True)


class SpikingQCFS(nn.Module):
    """QCFS's spiking twin over [T, B, ...]: lambda * IF(x / lambda), membrane starting at 1/2.

    With the half-threshold start, the spike count over T steps of a constant input rounds
    x T / lambda to the nearest integer, which is QCFS with T levels; the parameter keeps the
    name `bound`, so a QCFS state dict loads unchanged.
    """

    def __init__(self, bound: float = 8.0, width: float = 1.0) -> None:
        super().__init__()
        self.bound = nn.Parameter(torch.tensor(float(bound)))
        self.neuron = LIF(IF_SOFT, Triangle(width), v0=0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bound * self.neuron(x / self.bound)
