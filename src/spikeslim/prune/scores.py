"""Per-example scores computed from what a training forward pass already has.

Every score function takes the detached per-step logits [T, B, C], the spikes entering the
final Linear [T, B, D] and the labels [B], and returns one non-negative score per example [B].
SADP samples in proportion to one of them (`spike_aware` by default); the baselines rank by
others. The derivations are in docs/sadp.md.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from spikeslim.errors import UnknownNameError
from spikeslim.train.losses import per_example_loss

ScoreFn = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def _real(x: torch.Tensor) -> torch.Tensor:
    """At least float32 (spikes may arrive as bool/uint8, logits as half), float64 kept."""
    return x if x.dtype in (torch.float32, torch.float64) else x.float()


def readout_error(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """e = softmax(o) - y for the time-averaged logits o: dL/do of the mean-readout CE [B, C]."""
    o = _real(logits).mean(0)
    return o.softmax(-1) - F.one_hot(labels.long(), o.shape[-1]).to(o.dtype)


def step_errors(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """e_t = softmax(o_t) - y for every step [T, B, C]: per-step CE (TET) gradients."""
    z = _real(logits)
    return z.softmax(-1) - F.one_hot(labels.long(), z.shape[-1]).to(z.dtype)


def el2n(logits: torch.Tensor, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """||softmax(o) - y||: the error L2 norm of Paul et al. (2021)."""
    return readout_error(logits, labels).norm(dim=-1)


def ce_loss(logits: torch.Tensor, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The trainer's own per-example loss under the mean readout (InfoBatch's score)."""
    return per_example_loss(_real(logits), labels.long(), "mean")


def readout_grad_norm(logits: torch.Tensor, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Exact per-example gradient norm of the final Linear (weight and bias) under the mean readout.

    o = (1/T) sum_t (W s_t + b) gives dL/dW = e r^T and dL/db = e, so the norm is
    ||e|| * sqrt(||r||^2 + 1) with r = (1/T) sum_t s_t, the penultimate firing rates.
    """
    r = _real(features).mean(0)
    return readout_error(logits, labels).norm(dim=-1) * (r.pow(2).sum(-1) + 1.0).sqrt()


def per_step_bound(logits: torch.Tensor, features: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Upper bound of the final Linear's gradient norm under a per-step (TET) loss.

    dL/d[W, b] = (1/T) sum_t e_t [s_t; 1]^T and ||e_t [s_t; 1]^T|| = ||e_t|| sqrt(n_t + 1) for
    binary spikes with n_t = sum(s_t), so the norm is at most (1/T) sum_t ||e_t|| sqrt(n_t + 1).
    """
    n_t = _real(features).sum(-1)
    return (step_errors(logits, labels).norm(dim=-1) * (n_t + 1.0).sqrt()).mean(0)


def spike_aware(
    logits: torch.Tensor,
    features: torch.Tensor,
    labels: torch.Tensor,
    *,
    per_step: bool = False,
    surrogate_slope: float = 1.0,
    depth_weight: float = 1.0,
) -> torch.Tensor:
    """SADP's importance score: the readout's gradient norm plus a bound on the deeper layers'.

    The gradient reaching the deeper layers passes W^T e through surrogate slopes of at most
    `surrogate_slope`; with the weights shared by all examples that part is bounded by
    ||e|| times an example-independent constant, `surrogate_slope * depth_weight` here
    (per step, ||e_t|| under a per-step loss). depth_weight = 0 gives exactly the readout's norm.
    """
    kappa = surrogate_slope * depth_weight
    if per_step:
        return per_step_bound(logits, features, labels) + kappa * step_errors(logits, labels).norm(dim=-1).mean(0)
    return readout_grad_norm(logits, features, labels) + kappa * el2n(logits, features, labels)


SCORES: dict[str, ScoreFn] = {
    "spike_aware": spike_aware,
    "readout_grad_norm": readout_grad_norm,
    "per_step_bound": per_step_bound,
    "el2n": el2n,
    "loss": ce_loss,
}


def get_score(name: str) -> ScoreFn:
    if name not in SCORES:
        raise UnknownNameError(f"unknown score {name!r}; known scores: {', '.join(SCORES)}")
    return SCORES[name]
