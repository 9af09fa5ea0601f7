"""The step-wise distillation (SKD) loss of HSD: every single time step must match the teacher,
because a mean over one or two steps is easily spoiled by one abnormal step. `SKDHook` hands it
to `train.fit` as its per-example loss, with the teacher's logits per training row as targets."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from spikeslim.datasets.base import FrameSet
from spikeslim.train.data import batch, batches


def skd_loss(
    step_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    *,
    alpha: float = 1.0,
    tau: float = 2.0,
) -> torch.Tensor:
    """Per example [B]: CE(mean_t s_t, y) + alpha/T sum_t tau^2 KL(softmax(z/tau) || softmax(s_t/tau)).

    `step_logits` [T, B, C] are the student's per-step outputs, `teacher_logits` [B, C]. KL is
    summed over classes, so the batch mean is HSD's loss with KL averaged over the batch (the HSD
    code averages over classes too, which silently divides the distillation weight by C).
    """
    if step_logits.ndim != 3 or step_logits.shape[1:] != teacher_logits.shape:
        raise ValueError(
            f"student logits must be [T, B, C] matching teacher [B, C]; got "
            f"{tuple(step_logits.shape)} and {tuple(teacher_logits.shape)}"
        )
    ce = F.cross_entropy(step_logits.mean(0), labels, reduction="none")
    if alpha == 0:
        return ce
    n_steps, batch_size, n_classes = step_logits.shape
    target = F.log_softmax(teacher_logits.detach() / tau, dim=-1).expand(n_steps, batch_size, n_classes)
    log_student = F.log_softmax(step_logits / tau, dim=-1)
    kl = F.kl_div(log_student, target, reduction="none", log_target=True).sum(dim=(0, 2))
    return ce + alpha * tau**2 * kl / n_steps


@torch.no_grad()
def teacher_logits(teacher: torch.nn.Module, data: FrameSet, *, device: torch.device, batch_size: int = 256) -> torch.Tensor:
    """The teacher's answer per sample, logits averaged over all its frames: [N, C] on the CPU."""
    teacher.eval().to(device)
    out = [teacher(batch(data, np.arange(sl.start, sl.stop), device)[0]).mean(0).cpu()
           for sl in batches(len(data), batch_size)]
    return torch.cat(out)


@dataclass(frozen=True, eq=False)
class SKDHook:
    """SKD as `train.fit`'s loss hook (`train.losses.ExampleLoss`): row i's target is `targets[i]`."""

    targets: torch.Tensor  # [N, C]: `teacher_logits` over the training set
    alpha: float = 1.0
    tau: float = 2.0

    @property
    def key(self) -> str:
        """The weights and a digest of the targets, so a resume with another teacher is refused."""
        digest = hashlib.sha256(self.targets.detach().cpu().float().contiguous().numpy().tobytes()).hexdigest()
        return f"skd(alpha={float(self.alpha)}, tau={float(self.tau)}, targets={digest[:16]})"

    def __call__(self, logits: torch.Tensor, labels: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        return skd_loss(logits, self.targets[indices].to(logits.device), labels, alpha=self.alpha, tau=self.tau)
