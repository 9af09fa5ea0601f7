"""A real consumer: snnTorch's NIR import runs the exported network on real N-MNIST like spikeslim."""

import numpy as np
import pytest
import torch

from spikeslim.datasets import FrameSpec, load_frames
from spikeslim.export import from_nir, read_nir, to_nir, write_nir
from spikeslim.export.consumer import run_in_snntorch
from spikeslim.snn.models import build_model
from spikeslim.snn.record import record_states
from spikeslim.train import TrainConfig, fit, to_input

pytest.importorskip("snntorch")


@pytest.fixture(scope="module")
def nmnist(nmnist_small_dir, tmp_path_factory):
    spec, cache = FrameSpec.of("nmnist", T=8, downsample=2, data_dir=nmnist_small_dir), tmp_path_factory.mktemp("cache")
    return (load_frames(spec, "train", cache_dir=cache, progress=False),
            load_frames(spec, "test", cache_dir=cache, progress=False))


@pytest.mark.parametrize("name, kwargs", [("deploy", {}), ("deploy", {"neuron": {"decay_input": True}}),
                                          ("scnn", {})])  # scnn: the protocol's strided network
def test_snntorch_gives_spikeslims_spike_trains_on_real_nmnist(nmnist, name, kwargs, tmp_path):
    train, test = nmnist
    torch.manual_seed(0)
    model = build_model(name, in_shape=train.shape[1:], n_classes=10, depth=2, width=8, **kwargs)
    few = train.subset(np.random.default_rng(0).permutation(len(train))[:500])  # the splits are sorted by class
    fit(model, few, TrainConfig(epochs=2, batch_size=32, lr=1e-2, seed=0), progress=False)
    model.eval()
    write_nir(tmp_path / "m.nir", to_nir(model))
    graph = read_nir(tmp_path / "m.nir")
    x, labels = to_input(test.frames), torch.from_numpy(test.labels)

    theirs, their_spikes = run_in_snntorch(graph, x)
    rebuilt = from_nir(graph)
    with torch.no_grad(), record_states(rebuilt) as states:
        ours = rebuilt(x)
        original = model(x)
    # the same graph, the same discretisation: identical spike trains in every layer
    assert len(their_spikes) == len(states) == 2
    for mine, other in zip(states, their_spikes):
        assert torch.equal(mine.spikes, other)
    torch.testing.assert_close(theirs, ours, rtol=1e-5, atol=1e-5)
    # against the trained model itself (batch norm unfolded): predictions agree
    agree = (theirs.mean(0).argmax(-1) == original.mean(0).argmax(-1)).float().mean().item()
    assert agree >= 0.99
    assert (original.mean(0).argmax(-1) == labels).float().mean() > 0.3  # a trained network, not a random one
