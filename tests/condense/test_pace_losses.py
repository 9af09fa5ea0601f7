import math

import torch

from spikeslim.condense.pace.losses import (ClassStats, cf_frequencies, class_stats, combine, phase_distance,
                                            stats_losses)


def _seq(T=8, B=5, D=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(T, dtype=torch.float32)[:, None, None]
    return torch.sin(t * 0.8 + torch.rand(1, B, D, generator=g)) + 0.1 * torch.randn(T, B, D, generator=g)


def _losses(real, syn):
    return stats_losses(class_stats(real), class_stats(syn))


def test_phase_loss_zero_for_identical_and_invariant_to_amplitude_scaling():
    x, y = _seq(seed=0), _seq(seed=1)
    same = _losses(x, x)
    assert same["amp"].item() == 0 and same["mean"].item() == 0 and abs(same["phase"].item()) < 1e-6
    base = _losses(x, y)["phase"].item()
    assert base > 1e-3
    assert math.isclose(base, _losses(x, 3.0 * y)["phase"].item(), rel_tol=1e-5)
    assert math.isclose(base, _losses(0.5 * x, y)["phase"].item(), rel_tol=1e-5)


def test_phase_sees_a_time_shift_that_means_over_time_and_amplitudes_miss():
    t = torch.arange(16, dtype=torch.float32)
    real = torch.sin(2 * math.pi * t / 8)[:, None, None].repeat(1, 4, 1)
    shifted = torch.roll(real, 2, dims=0)  # a quarter period later
    out = _losses(real, shifted)
    assert out["amp"].item() < 1e-10
    assert math.isclose(out["phase"].item(), 1.0, abs_tol=1e-4)  # cos(90 degrees) = 0


def test_phase_distance_ignores_frequencies_where_real_has_no_energy():
    z_real = torch.tensor([1.0 + 0j, 0.0 + 0j])
    z_syn = torch.tensor([1.0 + 0j, -5.0 + 0j])  # opposite phase only where real is empty
    assert phase_distance(z_real, z_syn).item() == 0


def test_step_mean_known_value():
    out = _losses(torch.zeros(2, 3, 4), torch.ones(2, 1, 4))
    assert out["mean"].item() == 1.0


def test_combine_equals_stats_of_the_union():
    a, b = _seq(B=3, seed=2), _seq(B=5, seed=3)
    g = torch.Generator().manual_seed(0)
    freqs = cf_frequencies(torch.randn(8, 4, generator=g), 6, g)
    sa, sb = torch.randn(3, 4, generator=g), torch.randn(5, 4, generator=g)
    merged = combine(class_stats(a, sa, freqs), class_stats(b, sb, freqs))
    whole = class_stats(torch.cat([a, b], 1), torch.cat([sa, sb]), freqs)
    assert merged.n == 8
    for m, w in zip(merged[1:], whole[1:]):
        assert torch.allclose(m, w, atol=1e-5)


def test_cf_terms_zero_for_same_samples_and_positive_for_shifted_distribution():
    g = torch.Generator().manual_seed(0)
    summary = torch.randn(64, 6, generator=g)
    seq = torch.zeros(2, 64, 1)
    freqs = cf_frequencies(summary, 32, g)
    same = stats_losses(class_stats(seq, summary, freqs), class_stats(seq, summary[torch.randperm(64, generator=g)], freqs))
    assert same["cf_amp"].item() < 1e-10 and abs(same["cf_phase"].item()) < 1e-5
    moved = stats_losses(class_stats(seq, summary, freqs), class_stats(seq, summary + 2.0, freqs))
    assert moved["cf_phase"].item() > 1e-3


def test_losses_give_finite_gradients_even_for_all_zero_synthetic_features():
    real = _seq()
    syn = torch.zeros(8, 2, 3, requires_grad=True)
    summary = syn.mean(0)
    freqs = cf_frequencies(real.mean(0), 8)
    out = stats_losses(class_stats(real, real.mean(0), freqs), class_stats(syn, summary, freqs))
    sum(out.values()).backward()
    assert torch.isfinite(syn.grad).all() and syn.grad.abs().sum() > 0
    assert isinstance(class_stats(real), ClassStats) and class_stats(real).cf is None
