"""The neuron mapping: NIR's Euler step at dt is spikeslim's update, and back."""

import nir
import numpy as np
import pytest
import torch

from spikeslim.errors import ExportError
from spikeslim.export import neuron_to_nir, nir_to_neuron
from spikeslim.snn.neurons import LIFParams, lif_multistep
from spikeslim.snn.surrogates import ATan

PARAMS = [LIFParams(), LIFParams(decay_input=False), LIFParams(tau=3.0, v_threshold=0.5, v_reset=-0.25),
          LIFParams(tau=None), LIFParams(tau=None, v_threshold=2.0, v_reset=0.5)]


def _nir_euler(node, x, dt):
    """NIR's equations integrated by forward Euler, input held over each step (float64)."""
    v = np.broadcast_to(node.v_reset, x.shape[1:]).astype(np.float64)
    spikes = []
    for xt in x:
        if isinstance(node, nir.IF):
            v = v + dt * node.r * xt
        else:
            v = v + dt / node.tau * (node.v_leak - v + node.r * xt)
        s = v > node.v_threshold
        v = np.where(s, node.v_reset, v)
        spikes.append(s)
    return np.stack(spikes)


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("dt", [1e-4, 1e-3])
def test_nir_euler_step_gives_spikeslims_spike_train(params, dt):
    x = np.random.default_rng(0).normal(0.6, 1.0, size=(12, 50))
    node = neuron_to_nir(params, (50,), dt=dt)
    ours = lif_multistep(torch.from_numpy(x), params, ATan()).spikes.numpy().astype(bool)
    np.testing.assert_array_equal(_nir_euler(node, x, dt), ours)


@pytest.mark.parametrize("params", PARAMS)
def test_round_trip_gives_the_same_neuron(params):
    assert nir_to_neuron(neuron_to_nir(params, (3, 2), dt=1e-4), dt=1e-4) == params


def test_strict_nir_threshold_fires_where_spikeslim_does_at_equality():
    threshold = neuron_to_nir(LIFParams(tau=None), (1,), dt=1e-4).v_threshold[0]
    one = np.float32(1.0)
    for v in (np.nextafter(one, np.float32(0)), one, np.nextafter(one, np.float32(2))):
        assert (np.float32(v) > np.float32(threshold)) == (v >= one)


def test_inexpressible_neurons_are_one_line_errors_naming_the_layer():
    with pytest.raises(ExportError, match="features.2.*soft reset"):
        neuron_to_nir(LIFParams(soft_reset=True), (1,), dt=1e-4, name="features.2")
    with pytest.raises(ExportError, match="features.5.*starts at 0.5"):
        neuron_to_nir(LIFParams(tau=None), (1,), dt=1e-4, v0=0.5, name="features.5")
    varying = nir.LIF(tau=np.array([2e-4, 3e-4]), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2))
    with pytest.raises(ExportError, match="'lif1': tau differs"):
        nir_to_neuron(varying, dt=1e-4, name="lif1")
    odd_gain = nir.LIF(tau=np.full(2, 2e-4), r=np.full(2, 5.0), v_leak=np.zeros(2), v_threshold=np.ones(2))
    with pytest.raises(ExportError, match="r=5.0"):
        nir_to_neuron(odd_gain, dt=1e-4)
