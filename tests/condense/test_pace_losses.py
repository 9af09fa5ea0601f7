import math

import torch

from spikeslim.condense.pace import losses


def _seq(T=8, B=5, D=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(T, dtype=torch.float32)[:, None, None]
    return torch.sin(t * 0.8 + torch.rand(1, B, D, generator=g)) + 0.1 * torch.randn(T, B, D, generator=g)


def test_phase_loss_zero_for_identical_and_invariant_to_amplitude_scaling():
    x, y = _seq(seed=0), _seq(seed=1)
    amp, phase = losses.spectral_losses(x, x)
    assert amp.item() == 0 and abs(phase.item()) < 1e-6
    _, base = losses.spectral_losses(x, y)
    _, scaled_syn = losses.spectral_losses(x, 3.0 * y)
    _, scaled_real = losses.spectral_losses(0.5 * x, y)
    assert base.item() > 1e-3
    assert math.isclose(base.item(), scaled_syn.item(), rel_tol=1e-5)
    assert math.isclose(base.item(), scaled_real.item(), rel_tol=1e-5)


def test_phase_distance_sees_a_time_shift_that_means_and_amplitudes_miss():
    t = torch.arange(16, dtype=torch.float32)
    real = torch.sin(2 * math.pi * t / 8)[:, None, None].repeat(1, 4, 1)
    shifted = torch.roll(real, 2, dims=0)  # quarter period later
    amp, phase = losses.spectral_losses(real, shifted)
    assert amp.item() < 1e-10
    assert math.isclose(phase.item(), 1.0, abs_tol=1e-4)  # cos(90 deg) = 0
    assert math.isclose(losses.step_mean_loss(real, real).item(), 0.0)


def test_phase_distance_ignores_frequencies_where_real_has_no_energy():
    z_real = torch.tensor([1.0 + 0j, 0.0 + 0j])
    z_syn = torch.tensor([1.0 + 0j, -5.0 + 0j])  # opposite phase only where real is empty
    assert losses.phase_distance(z_real, z_syn).item() == 0


def test_step_mean_loss_known_value():
    real = torch.zeros(2, 3, 4)
    syn = torch.ones(2, 1, 4)
    assert losses.step_mean_loss(real, syn).item() == 1.0


def test_cf_loss_zero_for_same_samples_and_positive_for_shifted_distribution():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(64, 6, generator=g)
    freqs = losses.cf_frequencies(real, 32, g)
    amp, phase = losses.cf_losses(real, real[torch.randperm(64, generator=g)], freqs)
    assert amp.item() < 1e-10 and abs(phase.item()) < 1e-5
    amp2, phase2 = losses.cf_losses(real, real + 2.0, freqs)
    assert phase2.item() > 1e-3


def test_losses_give_finite_gradients_even_for_all_zero_synthetic_features():
    real = _seq()
    syn = torch.zeros(8, 2, 3, requires_grad=True)
    amp, phase = losses.spectral_losses(real, syn)
    freqs = losses.cf_frequencies(real[0], 8)
    cf_amp, cf_phase = losses.cf_losses(real[0], syn[0], freqs)
    (amp + phase + cf_amp + cf_phase + losses.step_mean_loss(real, syn)).backward()
    assert torch.isfinite(syn.grad).all() and syn.grad.abs().sum() > 0
