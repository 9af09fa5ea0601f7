"""HSD's network in two guises: a QCFS ANN teacher and its IF-neuron SNN student.

QCFS, the quantised clip-floor activation: an ANN trained with it converts to an IF-neuron SNN
whose spike counts over few steps reproduce the ANN's activations (Bu et al., ICLR 2022).
h(x) = lambda * clamp(floor(x L / lambda + 1/2) / L, 0, 1): L levels, the upper bound lambda is
learned and later becomes the spiking threshold; the floor passes gradients straight through.

Teacher and student share every weight name, so conversion (`spikeslim.latency.convert`) is a
state-dict copy after folding batch norm, and `train.load_model` rebuilds either from a
checkpoint. Blocks are conv 3x3 -> [batch norm] -> activation -> 2x2 average pooling, then a
linear readout; the ANN applies itself to each frame independently, the SNN runs its neurons over
time, and both return per-step logits [T, B, C] like every spikeslim model.
"""

from __future__ import annotations

from typing import Any, Sequence

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


class QCFSNet(nn.Module):
    """VGG-style QCFS network; `spiking=True` swaps each QCFS for an IF neuron with its threshold.

    `ref_frames` makes the input scale independent of the number of steps: x_t is multiplied
    by T / ref_frames, so a frame that sums k of the reference frames enters as their mean and
    a student can run at any T on the same events binned coarser.
    """

    def __init__(
        self,
        in_shape: Sequence[int],
        n_classes: int,
        *,
        channels: Sequence[int] = (32, 64, 128),
        spiking: bool = False,
        batch_norm: bool | None = None,
        levels: int = 4,
        bound: float = 8.0,
        ref_frames: int | None = None,
        surrogate_width: float = 1.0,
    ) -> None:
        super().__init__()
        c_in, height, width_px = in_shape
        if min(height, width_px) < 2 ** len(channels):
            raise InvalidConfigError(
                f"input {height}x{width_px} is too small for {len(channels)} pooling blocks"
            )
        if ref_frames is not None and ref_frames < 1:
            raise InvalidConfigError(f"ref_frames must be a positive frame count, got {ref_frames}")
        self.spiking, self.ref_frames = spiking, ref_frames
        self.in_shape, self.n_classes = (c_in, height, width_px), n_classes
        #: the keyword options, as a checkpoint's `model_kwargs` must record them
        self.options: dict[str, Any] = dict(
            channels=[int(c) for c in channels], spiking=spiking, batch_norm=batch_norm,
            levels=levels, bound=bound, ref_frames=ref_frames, surrogate_width=surrogate_width,
        )
        norm = (not spiking) if batch_norm is None else batch_norm
        layers: list[nn.Module] = []
        for c_out in channels:
            layers.append(nn.Conv2d(c_in, c_out, 3, padding=1, bias=not norm))
            if norm:
                layers.append(nn.BatchNorm2d(c_out))
            layers.append(SpikingQCFS(bound, surrogate_width) if spiking else QCFS(levels, bound))
            layers.append(nn.AvgPool2d(2))
            c_in, height, width_px = c_out, height // 2, width_px // 2
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(c_in * height * width_px, n_classes)

    def forward(self, x: torch.Tensor, return_features: bool = False):
        n_steps, batch = x.shape[:2]
        if self.ref_frames is not None:
            x = x * (n_steps / self.ref_frames)
        h = x.flatten(0, 1)
        for layer in self.features:
            if isinstance(layer, (QCFS, SpikingQCFS)):  # QCFS is pointwise, neurons need time first
                h = layer(h.unflatten(0, (n_steps, batch))).flatten(0, 1)
            else:
                h = layer(h)
        features = h.flatten(1).unflatten(0, (n_steps, batch))
        logits = self.classifier(features)
        return (logits, features) if return_features else logits


def build(*, in_shape: Sequence[int], n_classes: int, **options: Any) -> QCFSNet:
    """The model registry's entry point (`snn.models.build_model("qcfs", ...)`)."""
    return QCFSNet(in_shape, n_classes, **options)
