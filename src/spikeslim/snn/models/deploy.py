"""The deployable spiking CNN: only layers NIR can express, so `spikeslim export-nir` takes it.

ConvNet's blocks with batch norm (folded into the convolution at export) or none, instead of
instance norm; LIF or IF neurons with a hard reset; 2x2 average pooling; a Linear readout.
The default neuron adds its input undecayed (h = v - (v - v_reset)/tau + x): in NIR that is
r = tau/dt, the parametrisation snnTorch exports itself and imports without rescaling
(docs/nir.md); `neuron={"decay_input": True}` gives spikeslim's usual LIF, also exportable.
`plan` (conv widths and "P" pooling markers) overrides depth and width: `export.from_nir`
rebuilds any exported network of this family that way.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from spikeslim.errors import InvalidConfigError
from spikeslim.snn.models.spiking_cnn import POOL, SpikingCNN, make_neuron_params
from spikeslim.snn.neurons import LIFParams

NORMS = ("batch", "none")
NEURON = LIFParams(decay_input=False)


def build(
    *,
    in_shape: Sequence[int],
    n_classes: int,
    depth: int = 3,
    width: int = 128,
    norm: str = "batch",
    plan: Sequence[int | str] | None = None,
    neuron: LIFParams | Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> SpikingCNN:
    if norm not in NORMS:
        raise InvalidConfigError(f"deploy model: norm {norm!r} has no NIR form; use one of {', '.join(NORMS)}")
    # a dict of neuron fields overrides the deploy default field by field
    params = make_neuron_params({**NEURON._asdict(), **neuron} if isinstance(neuron, Mapping) else neuron or NEURON)
    if params.soft_reset:
        raise InvalidConfigError("deploy model: NIR's LIF and IF reset to v_reset; soft_reset=True has no NIR form")
    if plan is None:
        if depth < 1 or width < 1:
            raise InvalidConfigError(f"deploy model needs depth >= 1 and width >= 1, got depth={depth}, width={width}")
        plan = [width, POOL] * depth
    return SpikingCNN(list(plan), in_shape=in_shape, n_classes=n_classes, norm=norm, neuron=params, **kwargs)
