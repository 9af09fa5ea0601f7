import pytest
import torch
from torch import nn

from spikeslim.snn.models import build_model
from spikeslim.snn.record import record_states
from spikeslim.snn.stats import count_activity, synaptic_ops


def test_conv_synops_count_each_nonzero_input_once_per_output_that_reads_it():
    conv = nn.Conv2d(1, 4, 3, padding=1)
    centre, corner = torch.zeros(1, 1, 3, 3), torch.zeros(1, 1, 3, 3)
    centre[0, 0, 1, 1] = 1.0
    corner[0, 0, 0, 0] = 0.5  # any non-zero value costs one operation
    assert synaptic_ops(conv, centre) == (9 * 4, 49 * 4)  # 49 = 4 corners*4 + 4 edges*6 + 9
    assert synaptic_ops(conv, corner) == (4 * 4, 49 * 4)


def test_grouped_strided_conv_matches_a_brute_force_count():
    torch.manual_seed(0)
    conv = nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2)
    x = (torch.rand(2, 4, 7, 7) < 0.3).float()
    # brute force: every weight that multiplies a non-zero input, with a ones-weight conv
    probe = nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, bias=False)
    nn.init.ones_(probe.weight)
    expected = probe(x).sum().item()
    dense = probe(torch.ones_like(x)).sum().item()
    assert synaptic_ops(conv, x) == pytest.approx((expected, dense))


def test_linear_synops():
    lin = nn.Linear(3, 5)
    assert synaptic_ops(lin, torch.tensor([[0.0, 2.0, 0.0], [1.0, 1.0, 0.0]])) == (15, 30)
    with pytest.raises(TypeError, match="ReLU"):
        synaptic_ops(nn.ReLU(), torch.zeros(1))


def test_count_activity_on_a_model_agrees_with_its_recorded_spikes():
    torch.manual_seed(0)
    model = build_model("convnet", in_shape=(2, 8, 8), n_classes=3, depth=2, width=4, neuron={"v_threshold": 0.3})
    x = torch.rand(3, 5, 2, 8, 8) * (torch.rand(3, 5, 2, 8, 8) < 0.5)
    with count_activity(model) as stats, record_states(model) as states:
        features = [model(xb, return_features=True)[1] for xb in (x, x[:, :2])]
    spikes = sum(s.spikes.sum().item() for s in states)
    steps = sum(s.spikes.numel() for s in states)
    assert 0 < stats.spike_rate() < 1 and stats.spike_rate() == pytest.approx(spikes / steps)
    assert stats.samples == 7
    # the first conv sees the non-zero event counts; the classifier sees the feature spikes
    first = (x != 0).float().sum().item()
    assert stats.synops["features.0"] > first  # each event reaches up to 9 * width outputs
    assert stats.synops["classifier"] == sum((f != 0).sum().item() for f in features) * 3
    # dense: 21 frames x 2 in x 4 out channels x (36 inner outputs * 9 + 24 edge * 6 + 4 corner * 4) reads
    assert stats.macs["features.0"] == 21 * 2 * 4 * (36 * 9 + 24 * 6 + 4 * 4)
    assert {r["layer"] for r in stats.rows()} == {"features.2", "features.6", "features.0", "features.4", "classifier"}
    model(x)  # hooks are gone after the block
    assert stats.samples == 7
