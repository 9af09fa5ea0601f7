"""ST-SM loss pieces: compare real and synthetic feature sequences of one class.

Features are [T, B, D] (time first, as everywhere in spikeslim). Three views of the class:
- per time step: the class-mean feature at each step (mean embedding, as DM, but per step);
- over time, in frequency: the rFFT along T of each sample's sequence; the class-mean amplitude
  spectrum and the phase of the class-mean spectrum;
- the characteristic-function projection: E[exp(i w.f)] at random frequency vectors w, compared
  by amplitude and phase, which pins down the whole distribution, not only its mean.
Amplitude and phase are compared by the same two functions in both spectral views.
"""

from __future__ import annotations

import torch

_EPS = 1e-12


def step_mean_loss(real: torch.Tensor, syn: torch.Tensor) -> torch.Tensor:
    """Squared distance of the class-mean features at every time step, averaged over (T, D)."""
    return (real.mean(dim=1) - syn.mean(dim=1)).pow(2).mean()


def amplitude_distance(amp_real: torch.Tensor, amp_syn: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of two amplitude arrays of equal shape."""
    return (amp_real - amp_syn).pow(2).mean()


def phase_distance(z_real: torch.Tensor, z_syn: torch.Tensor) -> torch.Tensor:
    """Amplitude-weighted circular phase difference, sum_k w_k (1 - cos(phi_real - phi_syn)).

    w = |z_real| / sum |z_real|: components where the real data has no energy carry no weight,
    so the arbitrary phase of near-zero noise cannot dominate. The result lies in [0, 2], is
    zero when the phases agree, and does not change when either side is scaled by a positive
    factor. Computed from Re(z_r conj(z_s)) / (|z_r| |z_s|), which avoids atan2's unstable
    gradient near zero.
    """
    mag_r, mag_s = z_real.abs(), z_syn.abs()
    cos = (z_real * z_syn.conj()).real / (mag_r * mag_s).clamp_min(_EPS)
    weight = mag_r.detach() / mag_r.detach().sum().clamp_min(_EPS)
    return (weight * (1.0 - cos)).sum()


def temporal_spectrum(x: torch.Tensor) -> torch.Tensor:
    """rFFT along time of each sample's feature sequence: [T, B, D] -> complex [T//2+1, B, D]."""
    return torch.fft.rfft(x, dim=0, norm="ortho")


def spectral_losses(real: torch.Tensor, syn: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(amplitude, phase) losses between the temporal spectra of real and synthetic features.

    Amplitude: the class-mean of per-sample |F| (the energy at each temporal frequency, whatever
    the per-sample phase). Phase: of the class-mean spectrum (= spectrum of the mean sequence),
    i.e. when in the sequence the class's activity happens.
    """
    f_real, f_syn = temporal_spectrum(real), temporal_spectrum(syn)
    amp = amplitude_distance(f_real.abs().mean(dim=1), f_syn.abs().mean(dim=1))
    phase = phase_distance(f_real.mean(dim=1), f_syn.mean(dim=1))
    return amp, phase


def characteristic_function(x: torch.Tensor, freqs: torch.Tensor) -> torch.Tensor:
    """Empirical characteristic function E_b[exp(i <w, x_b>)] of samples x [B, D] at freqs [M, D]."""
    proj = x @ freqs.T
    return torch.complex(torch.cos(proj).mean(dim=0), torch.sin(proj).mean(dim=0))


def cf_losses(
    real: torch.Tensor, syn: torch.Tensor, freqs: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(amplitude, phase) losses between the characteristic functions of real and synthetic samples [B, D]."""
    cf_real, cf_syn = characteristic_function(real, freqs), characteristic_function(syn, freqs)
    return amplitude_distance(cf_real.abs(), cf_syn.abs()), phase_distance(cf_real, cf_syn)


def cf_frequencies(
    real: torch.Tensor, n_freqs: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Random frequency vectors [M, D] ~ N(0, 1/(D s^2)), s the real features' spread.

    Why this scale: it makes <w, x> of order one, where exp(i <w, x>) neither wraps many times
    (pure noise) nor stays near 1 (only the mean is seen).
    """
    d = real.shape[-1]
    spread = real.detach().std().clamp_min(1e-6)
    w = torch.randn(n_freqs, d, generator=generator, device=real.device, dtype=real.dtype)
    return w / (spread * d**0.5)
