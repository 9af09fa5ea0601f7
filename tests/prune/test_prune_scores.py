"""The scores bound (or equal) the final Linear's per-example gradient norm."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from spikeslim.errors import UnknownNameError
from spikeslim.prune.scores import el2n, get_score, per_step_bound, readout_grad_norm, spike_aware


def _per_example_grad_norms(features: torch.Tensor, labels: torch.Tensor, readout: torch.nn.Linear, loss: str) -> torch.Tensor:
    norms = []
    for i in range(features.shape[1]):
        logits = readout(features[:, i])  # [T, C]
        if loss == "mean":
            value = F.cross_entropy(logits.mean(0, keepdim=True), labels[i : i + 1])
        else:
            value = F.cross_entropy(logits, labels[i].repeat(len(logits)))
        gw, gb = torch.autograd.grad(value, (readout.weight, readout.bias))
        norms.append(torch.sqrt(gw.pow(2).sum() + gb.pow(2).sum()))
    return torch.stack(norms)


def test_readout_norm_is_exact_for_the_mean_readout(spikes) -> None:
    features, labels, readout = spikes
    logits = readout(features).detach()
    truth = _per_example_grad_norms(features, labels, readout, "mean")
    torch.testing.assert_close(readout_grad_norm(logits, features, labels), truth)
    assert torch.all(spike_aware(logits, features, labels) >= truth)


def test_per_step_bound_bounds_the_tet_gradient(spikes) -> None:
    features, labels, readout = spikes
    logits = readout(features).detach()
    truth = _per_example_grad_norms(features, labels, readout, "tet")
    bound = per_step_bound(logits, features, labels)
    assert torch.all(bound >= truth - 1e-12)
    assert torch.all(bound <= 3 * truth), "the bound should stay within a small factor"
    assert torch.all(spike_aware(logits, features, labels, per_step=True) >= bound)


def test_per_step_bound_is_tight_for_one_step(spikes) -> None:
    features, labels, readout = spikes
    one = features[:1]
    logits = readout(one).detach()
    torch.testing.assert_close(per_step_bound(logits, one, labels), _per_example_grad_norms(one, labels, readout, "tet"))


def test_spike_aware_ranks_by_spikes_when_errors_tie() -> None:
    """Same error, more penultimate spikes -> larger last-layer gradient -> higher score."""
    logits = torch.zeros(4, 2, 3)
    features = torch.zeros(4, 2, 10)
    features[:, 1, :6] = 1.0
    labels = torch.tensor([0, 0])
    assert el2n(logits, features, labels)[0] == el2n(logits, features, labels)[1]
    score = spike_aware(logits, features, labels)
    assert score[1] > score[0]


def test_unknown_score_name() -> None:
    with pytest.raises(UnknownNameError, match="spike_aware"):
        get_score("nope")
