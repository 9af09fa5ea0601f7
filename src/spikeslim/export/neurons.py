"""spikeslim's discrete LIF and IF as NIR's continuous-time neurons, exact at one time step dt.

NIR integrates tau dv/dt = (v_leak - v) + r I (LIF) or dv/dt = r I (IF); a forward-Euler step
of length dt with the input held over the step is
    v_t = (1 - dt/tau) v_{t-1} + (dt/tau) r x_t + (dt/tau) v_leak      (IF: v_{t-1} + dt r x_t)
and spikeslim's charge rule is h_t = a v_{t-1} + b x_t + c (`neurons.charge_coefficients`), so
    tau = dt * tau_s,  r = 1 (decay_input) or tau_s (no decay_input),  v_leak = v_reset,  IF: r = 1/dt.
NIR fires on v > v_threshold, spikeslim on h >= v_threshold: the stored threshold is the largest
float32 below spikeslim's, which makes the two tests agree for every float32 membrane.
The derivation and how consumers discretise it: docs/nir.md.
"""

from __future__ import annotations

from typing import Sequence

import nir
import numpy as np

from spikeslim.errors import ExportError
from spikeslim.snn.neurons import LIFParams

#: Seconds per spikeslim time step. snnTorch's NIR import fixes its step at 1e-4 s, so this
#: default makes its discretisation of the exported graph spikeslim's update exactly.
DEFAULT_DT = 1e-4


def neuron_to_nir(params: LIFParams, shape: Sequence[int], *, dt: float, v0: float | None = None,
                  name: str = "neuron") -> nir.LIF | nir.IF:
    """The NIR node whose Euler step of length `dt` is `params`' update, for neurons of `shape`."""
    if params.soft_reset:
        raise ExportError(f"layer {name!r}: soft reset (subtracting the threshold) has no NIR form; "
                          "NIR's LIF and IF reset to v_reset")
    if v0 is not None and v0 != params.v_reset:
        raise ExportError(f"layer {name!r}: its membrane starts at {v0}, NIR neurons start at v_reset={params.v_reset}")
    if not dt > 0:
        raise ExportError(f"time step dt must be positive seconds, got {dt}")

    def full(value: float) -> np.ndarray:
        return np.full(tuple(shape), value, dtype=np.float64)

    threshold = full(np.nextafter(np.float32(params.v_threshold), np.float32(-np.inf)))
    if params.tau is None:
        return nir.IF(r=full(1.0 / dt), v_threshold=threshold, v_reset=full(params.v_reset))
    return nir.LIF(tau=full(dt * params.tau), r=full(1.0 if params.decay_input else params.tau),
                   v_leak=full(params.v_reset), v_threshold=threshold, v_reset=full(params.v_reset))


def nir_to_neuron(node: nir.NIRNode, *, dt: float, name: str = "neuron") -> LIFParams:
    """The spikeslim neuron whose update is `node`'s Euler step of length `dt` (inverse of neuron_to_nir)."""
    if not isinstance(node, (nir.LIF, nir.IF)):
        raise ExportError(f"node {name!r} ({type(node).__name__}) is not a LIF or IF neuron")

    def one(field: str) -> float:
        values = np.unique(np.asarray(getattr(node, field), dtype=np.float64))
        if values.size != 1:
            raise ExportError(f"node {name!r}: {field} differs between neurons; a spikeslim layer shares one value")
        return float(values[0])

    threshold = float(np.nextafter(np.float32(one("v_threshold")), np.float32(np.inf)))
    v_reset = one("v_reset")
    if isinstance(node, nir.IF):
        if not np.isclose(one("r") * dt, 1.0):
            raise ExportError(f"node {name!r}: IF with r={one('r')}; spikeslim's IF adds its input, r = 1/dt = {1 / dt}")
        return LIFParams(tau=None, v_threshold=threshold, v_reset=v_reset)
    tau = round(one("tau") / dt, 9)  # undo the rounding of tau = dt * tau_s
    r, v_leak = one("r"), one("v_leak")
    if not np.isclose(v_leak, v_reset):
        raise ExportError(f"node {name!r}: v_leak={v_leak} differs from v_reset={v_reset}; "
                          "spikeslim's LIF leaks toward its reset potential")
    if np.isclose(r, 1.0):
        return LIFParams(tau=tau, v_threshold=threshold, v_reset=v_reset, decay_input=True)
    if np.isclose(r, tau):
        return LIFParams(tau=tau, v_threshold=threshold, v_reset=v_reset, decay_input=False)
    raise ExportError(f"node {name!r}: r={r} is neither 1 (input decays) nor tau/dt={tau} (input adds); "
                      "spikeslim's LIF has no other input gain")
