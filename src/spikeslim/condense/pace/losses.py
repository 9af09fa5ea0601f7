"""ST-SM: compare the class statistics of real and synthetic feature sequences.

Features are [T, B, D] (time first, as everywhere in spikeslim). A class is summarised by
`ClassStats`, all of them means over samples, so real statistics can be accumulated over the
whole class once (frozen teacher) or taken from one batch (random networks):
- `step_mean`: the class-mean feature at every time step (mean embedding as in DM, per step);
- `amplitude`: the class mean of each sample's amplitude spectrum |rFFT_T| (energy per temporal
  frequency, whatever the sample's phase);
- `spectrum`: the class-mean complex spectrum, whose phase says *when* the class's activity
  happens;
- `cf`: the empirical characteristic function E[exp(i <w, s>)] of per-sample summaries s at
  fixed random frequencies w, which describes the whole distribution, not only its mean.
Amplitudes are compared by squared difference, phases by `phase_distance`.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

_EPS = 1e-12


class ClassStats(NamedTuple):
    n: int
    step_mean: torch.Tensor  # [T, D]
    amplitude: torch.Tensor  # [K, D], K = T // 2 + 1
    spectrum: torch.Tensor  # [K, D] complex
    cf: torch.Tensor | None  # [M] complex, or None without frequencies


def class_stats(seq: torch.Tensor, summary: torch.Tensor | None = None, freqs: torch.Tensor | None = None) -> ClassStats:
    """Statistics of one class's feature sequences `seq [T, B, D]` (and summaries `[B, S]` for the CF)."""
    spec = torch.fft.rfft(seq, dim=0, norm="ortho")
    cf = characteristic_function(summary, freqs) if freqs is not None and summary is not None else None
    return ClassStats(seq.shape[1], seq.mean(dim=1), spec.abs().mean(dim=1), spec.mean(dim=1), cf)


def combine(a: ClassStats, b: ClassStats) -> ClassStats:
    """Statistics of the union of two sample sets (a weighted mean of every field)."""
    n = a.n + b.n
    wa, wb = a.n / n, b.n / n
    mix = [x * wa + y * wb if x is not None else None for x, y in zip(a[1:], b[1:])]
    return ClassStats(n, *mix)


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


def stats_losses(real: ClassStats, syn: ClassStats) -> dict[str, torch.Tensor]:
    """The ST-SM terms: per-step mean, temporal amplitude and phase, and CF amplitude and phase."""
    out = {
        "mean": amplitude_distance(real.step_mean, syn.step_mean),
        "amp": amplitude_distance(real.amplitude, syn.amplitude),
        "phase": phase_distance(real.spectrum, syn.spectrum),
    }
    if real.cf is not None and syn.cf is not None:
        out["cf_amp"] = amplitude_distance(real.cf.abs(), syn.cf.abs())
        out["cf_phase"] = phase_distance(real.cf, syn.cf)
    return out


def characteristic_function(x: torch.Tensor, freqs: torch.Tensor) -> torch.Tensor:
    """Empirical characteristic function E_b[exp(i <w, x_b>)] of samples x [B, S] at freqs [M, S]."""
    proj = x @ freqs.T
    return torch.complex(torch.cos(proj).mean(dim=0), torch.sin(proj).mean(dim=0))


def cf_frequencies(real: torch.Tensor, n_freqs: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Random frequency vectors [M, S] ~ N(0, 1/(S s^2)), s the spread of real summaries [B, S].

    Why this scale: it makes <w, x> of order one, where exp(i <w, x>) neither wraps many times
    (pure noise) nor stays near 1 (only the mean is seen).
    """
    d = real.shape[-1]
    spread = real.detach().std().clamp_min(1e-6)
    w = torch.randn(n_freqs, d, generator=generator, dtype=real.dtype).to(real.device)
    return w / (spread * d**0.5)
