"""to_nir / from_nir: batch norm folded, the same spikes after a round trip, errors naming layers."""

import nir
import numpy as np
import pytest
import torch
from torch import nn

from spikeslim.errors import ExportError
from spikeslim.export import fold_batch_norm, from_nir, read_nir, to_nir, write_nir
from spikeslim.snn.models import build_model
from spikeslim.snn.record import record_states

SHAPE = (2, 9, 9)


def _deploy(**kwargs):
    torch.manual_seed(0)
    model = build_model("deploy", in_shape=SHAPE, n_classes=3, depth=2, width=4, **kwargs)
    for bn in (m for m in model.modules() if isinstance(m, nn.BatchNorm2d)):  # as if trained
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.data.uniform_(0.5, 2.0)
        bn.bias.data.uniform_(-0.2, 0.2)
    return model.eval()


def _run(model, x):
    with torch.no_grad(), record_states(model) as states:
        logits = model(x)
    return logits, [s.spikes for s in states]


def _x(T=6, B=3):
    return torch.poisson(torch.full((T, B, *SHAPE), 1.5), generator=torch.Generator().manual_seed(1))


def test_graph_is_the_networks_layers_in_order():
    graph = to_nir(_deploy(), dt=1e-3)
    kinds = [type(graph.nodes[a]).__name__ for a, _ in graph.edges] + ["Output"]
    assert kinds == ["Input", "Conv2d", "LIF", "AvgPool2d", "Conv2d", "LIF", "AvgPool2d", "Flatten", "Affine", "Output"]
    assert graph.metadata["dt"] == 1e-3
    assert tuple(graph.nodes["features_2"].tau.shape) == (4, 9, 9)
    assert list(graph.output_type.values())[0].tolist() == [3]


def test_batch_norm_folds_into_the_convolution():
    conv, bn = _deploy().features[0], _deploy().features[1]
    x = torch.randn(2, *SHAPE)
    weight, bias = fold_batch_norm(conv, bn)
    folded = nn.functional.conv2d(x, torch.from_numpy(weight), torch.from_numpy(bias), padding=1)
    with torch.no_grad():
        torch.testing.assert_close(folded, bn(conv(x)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("neuron", [None, {"decay_input": True}, {"tau": None}])
def test_round_trip_rebuilds_a_deploy_model_with_the_same_spikes(neuron, tmp_path):
    model = _deploy(neuron=neuron)
    path = tmp_path / "m.nir"
    assert write_nir(path, to_nir(model)) == path.stat().st_size
    back = from_nir(read_nir(path))
    x = _x()
    (lm, sm), (lb, sb) = _run(model, x), _run(back, x)
    assert all(torch.equal(a, b) for a, b in zip(sm, sb))
    torch.testing.assert_close(lm, lb, rtol=1e-5, atol=1e-5)
    again = to_nir(back)  # the folded graph exports to itself
    graph = read_nir(path)
    for name, node in graph.nodes.items():
        for field in ("weight", "bias", "tau", "r", "v_threshold", "v_reset"):
            if hasattr(node, field):
                np.testing.assert_array_equal(getattr(again.nodes[name], field), getattr(node, field))


def test_the_strided_scnn_exports_and_comes_back_with_its_strides():
    torch.manual_seed(0)
    model = build_model("scnn", in_shape=SHAPE, n_classes=3, width=4).eval()
    graph = to_nir(model)
    assert [tuple(np.atleast_1d(n.stride)) for n in graph.nodes.values() if isinstance(n, nir.Conv2d)] == [(2, 2)] * 2
    state = torch.get_rng_state()
    back = from_nir(graph)
    assert torch.equal(torch.get_rng_state(), state)  # its throw-away initial weights drew nothing global
    assert [c.stride for c in back.modules() if isinstance(c, nn.Conv2d)] == [(2, 2)] * 2
    x = _x()
    (lm, sm), (lb, sb) = _run(model, x), _run(back, x)
    assert all(torch.equal(a, b) for a, b in zip(sm, sb))
    torch.testing.assert_close(lm, lb, rtol=1e-5, atol=1e-5)


def test_models_nir_cannot_express_are_one_line_errors_naming_the_layer():
    convnet = build_model("convnet", in_shape=SHAPE, n_classes=3, depth=1, width=4)
    with pytest.raises(ExportError, match=r"'features.1' \(GroupNorm\).*instance norm"):
        to_nir(convnet)
    qcfs = build_model("qcfs", in_shape=(2, 8, 8), n_classes=3, channels=(4,))
    with pytest.raises(ExportError, match=r"'features.2' \(QCFS\)"):
        to_nir(qcfs)
    soft = build_model("convnet", in_shape=SHAPE, n_classes=3, depth=1, width=4, norm="none",
                       neuron={"soft_reset": True})
    with pytest.raises(ExportError, match="'features.2'.*soft reset"):
        to_nir(soft)
    with pytest.raises(ExportError, match="Sequential is not a spikeslim CNN"):
        to_nir(nn.Sequential(nn.Linear(2, 2)), SHAPE)


def test_graphs_outside_the_deploy_family_are_refused_naming_the_node():
    graph = to_nir(_deploy())
    conv = graph.nodes["features_0"]
    graph.nodes["features_0"] = nir.Conv2d(input_shape=(9, 9), weight=np.zeros((4, 2, 5, 5), np.float32),
                                           stride=1, padding=2, dilation=1, groups=1, bias=conv.bias)
    with pytest.raises(ExportError, match="'features_0'.*3x3"):
        from_nir(graph)
    graph = to_nir(_deploy())
    graph.nodes["features_3"] = nir.Threshold(threshold=np.ones((4, 9, 9)))
    with pytest.raises(ExportError, match=r"'features_3' \(Threshold\)"):
        from_nir(graph)


def test_unreadable_nir_files_name_the_file(tmp_path):
    with pytest.raises(ExportError, match="missing.nir.*does not exist"):
        read_nir(tmp_path / "missing.nir")
    bad = tmp_path / "bad.nir"
    bad.write_bytes(b"not hdf5")
    with pytest.raises(ExportError, match="bad.nir.*cannot be read"):
        read_nir(bad)
