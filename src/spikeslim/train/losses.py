"""Per-example classification losses over per-step logits, so samplers can weight each example,
and the hook through which a method brings its own (HSD's step-wise distillation)."""

from __future__ import annotations

from typing import Protocol

import torch
import torch.nn.functional as F

#: TET's regulariser pulls every step's logits towards this constant (phi in the TET paper).
TET_PHI = 1.0


def per_example_loss(logits: torch.Tensor, labels: torch.Tensor, kind: str = "mean", tet_lambda: float = 0.0) -> torch.Tensor:
    """Loss `[B]` from `logits [T, B, C]`.

    "mean": CE of the time-averaged logits (the usual SNN readout).
    "tet": mean over steps of CE(logits_t), blended as (1 - lambda) * CE + lambda * MSE(logits, phi)
    (Deng et al., ICLR 2022) so every step is pushed to classify on its own.
    """
    if kind == "mean":
        return F.cross_entropy(logits.mean(0), labels, reduction="none")
    if kind == "tet":
        T, B, C = logits.shape
        ce = F.cross_entropy(logits.reshape(T * B, C), labels.repeat(T), reduction="none").view(T, B).mean(0)
        if tet_lambda == 0:
            return ce
        mse = (logits - TET_PHI).pow(2).mean(dim=(0, 2))
        return (1 - tet_lambda) * ce + tet_lambda * mse
    raise ValueError(f"unknown loss {kind!r}; use 'mean' or 'tet'")


class ExampleLoss(Protocol):
    """`fit`'s loss hook: `(logits [T, B, C], labels [B], indices [B]) -> loss [B]`, one per example.

    `indices` (int64, CPU) are the batch's rows of the training set, so a hook can look up
    per-example targets such as a teacher's logits. It replaces the config's `loss` and
    `tet_lambda`. `key` names the loss and what it depends on (settings, a digest of its targets):
    checkpoints record it and resuming with another key is refused.
    """

    @property
    def key(self) -> str: ...

    def __call__(self, logits: torch.Tensor, labels: torch.Tensor, indices: torch.Tensor) -> torch.Tensor: ...
