"""The one spiking CNN both registered models are built from: conv -> norm -> LIF blocks.

Layers other than neurons see all T*B frames as one batch (one big conv call); only the LIF
layers unfold time. The readout is a Linear applied at every step, giving per-step logits.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from torch import Tensor, nn

from spikeslim.snn.neurons import LIF, LIFParams
from spikeslim.snn.surrogates import Surrogate, make_surrogate

POOL = "P"
NORMS = ("instance", "batch", "none")


def make_norm(kind: str, channels: int) -> nn.Module:
    """'instance' is GroupNorm with one group per channel, as in the distillation ConvNet."""
    if kind == "instance":
        return nn.GroupNorm(channels, channels, affine=True)
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}; use one of {', '.join(NORMS)}")


def make_neuron_params(neuron: LIFParams | Mapping[str, Any] | None) -> LIFParams:
    """Accept LIFParams or a plain dict of its fields (what checkpoints store)."""
    if neuron is None:
        return LIFParams()
    if isinstance(neuron, LIFParams):
        return neuron
    unknown = set(neuron) - set(LIFParams._fields)
    if unknown:
        raise ValueError(f"unknown neuron fields {sorted(unknown)}; LIFParams has {list(LIFParams._fields)}")
    return LIFParams(**neuron)


class SpikingCNN(nn.Module):
    """`plan` lists convolutions and POOL markers (2x2 average pooling).

    A conv is its width (3x3, stride 1, padding 1) or a `(width, stride)` pair: strided 3x3
    convolutions down-sample without a pooling layer, which is cheaper at full sensor size.
    """

    def __init__(
        self,
        plan: Sequence[int | str],
        *,
        in_shape: Sequence[int],
        n_classes: int,
        norm: str = "instance",
        neuron: LIFParams | Mapping[str, Any] | None = None,
        surrogate: str | Surrogate = "atan",
        sltt: bool = False,
    ) -> None:
        super().__init__()
        if len(in_shape) != 3:
            raise ValueError(f"in_shape must be (channels, height, width), got {tuple(in_shape)}")
        if n_classes < 1:
            raise ValueError(f"n_classes must be positive, got {n_classes}")
        self.in_shape = tuple(int(s) for s in in_shape)
        params, sg = make_neuron_params(neuron), make_surrogate(surrogate)
        channels, height, width = self.in_shape
        layers: list[nn.Module] = []
        for item in plan:
            if item == POOL:
                layers.append(nn.AvgPool2d(2))
                height, width = height // 2, width // 2
                if height < 1 or width < 1:
                    raise ValueError(f"input {self.in_shape} is too small for {plan.count(POOL)} poolings")
            else:
                out, stride = (int(item[0]), int(item[1])) if isinstance(item, (tuple, list)) else (int(item), 1)
                if out < 1 or stride < 1:
                    raise ValueError(f"conv width and stride must be positive, got {item!r}")
                layers += [nn.Conv2d(channels, out, 3, stride=stride, padding=1), make_norm(norm, out), LIF(params, sg, sltt)]
                channels, height, width = out, (height - 1) // stride + 1, (width - 1) // stride + 1
        self.features = nn.ModuleList(layers)
        self.feature_dim = channels * height * width
        self.classifier = nn.Linear(self.feature_dim, n_classes)

    def forward(self, x: Tensor, return_features: bool = False) -> Tensor | tuple[Tensor, Tensor]:
        """x[T, B, C, H, W] float counts -> logits[T, B, n_classes] (and features[T, B, D])."""
        if x.dim() != 5 or tuple(x.shape[2:]) != self.in_shape:
            raise ValueError(f"expected input [T, B, {', '.join(map(str, self.in_shape))}], got {tuple(x.shape)}")
        steps, batch = x.shape[:2]
        y = x.flatten(0, 1)
        for layer in self.features:
            y = layer(y.unflatten(0, (steps, batch))).flatten(0, 1) if isinstance(layer, LIF) else layer(y)
        features = y.flatten(1).unflatten(0, (steps, batch))
        logits = self.classifier(features)
        return (logits, features) if return_features else logits
