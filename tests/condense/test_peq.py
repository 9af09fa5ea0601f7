import numpy as np
import pytest
import torch

from spikeslim.condense.base import CondenseError
from spikeslim.condense.peq import PEQN, count_scale, stochastic_round


def test_stochastic_round_is_integral_and_unbiased():
    x = torch.full((20000,), 2.3)
    out = stochastic_round(x, torch.Generator().manual_seed(0))
    assert torch.all(out == out.round())
    assert set(out.unique().tolist()) == {2.0, 3.0}
    assert abs(out.mean().item() - 2.3) < 0.02


def test_stochastic_round_passes_gradient_straight_through():
    x = torch.tensor([0.2, 1.7, 3.5], requires_grad=True)
    (stochastic_round(x) * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert torch.equal(x.grad, torch.tensor([1.0, 2.0, 3.0]))


def test_peqn_emits_counts_in_range_and_keeps_gradient():
    q = PEQN(scale=4.0)
    latent = torch.rand(3, 5, requires_grad=True)
    counts = q(latent, torch.Generator().manual_seed(1))
    assert torch.all(counts == counts.round()) and counts.min() >= 0 and counts.max() <= 4
    counts.sum().backward()
    assert torch.allclose(latent.grad, torch.full_like(latent, 4.0))


def test_no_peq_is_continuous_and_encode_inverts_within_range():
    q = PEQN(scale=4.0, stochastic=False)
    counts = torch.tensor([0.0, 1.0, 2.5, 9.0])
    assert torch.allclose(q(q.encode(counts)), torch.tensor([0.0, 1.0, 2.5, 4.0]))


def test_project_and_export_give_saved_integer_frames():
    q = PEQN(scale=3.0)
    latent = torch.tensor([-0.5, 0.5, 1.5])
    q.project_(latent)
    assert torch.equal(latent, torch.tensor([0.0, 0.5, 1.0]))
    a, b = q.export(latent, seed=7), q.export(latent, seed=7)
    assert np.array_equal(a, b) and a[0] == 0 and a[2] == 3 and a[1] in (1.0, 2.0)


def test_count_scale_uses_nonzero_counts_and_rejects_empty():
    frames = np.zeros((2, 100), dtype=np.uint8)
    frames[0, :10] = np.arange(1, 11)
    assert count_scale(frames, percentile=100) == 10.0
    with pytest.raises(CondenseError, match="no events"):
        count_scale(np.zeros((3, 3)))
    with pytest.raises(CondenseError, match="positive"):
        PEQN(scale=0.0)


def test_nearest_export_drops_sub_half_event_haze_that_sampling_keeps():
    latent = torch.full((20000,), 0.1 / 4)  # 0.1 of an event per pixel at scale 4
    sampled = PEQN(4.0).export(latent, seed=0)
    nearest = PEQN(4.0, export_rounding="nearest").export(latent, seed=0)
    assert 1500 < sampled.sum() < 2500 and nearest.sum() == 0
    np.testing.assert_array_equal(PEQN(4.0, export_rounding="nearest").export(torch.tensor([0.2, 0.4]), 0), [1, 2])
    with pytest.raises(CondenseError, match="export rounding 'floor'"):
        PEQN(4.0, export_rounding="floor")
