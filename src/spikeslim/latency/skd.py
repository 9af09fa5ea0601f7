"""The step-wise distillation (SKD) loss of HSD: every single time step must match the teacher,
because a mean over one or two steps is easily spoiled by one abnormal step."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def skd_loss(
    step_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    *,
    alpha: float = 1.0,
    tau: float = 2.0,
) -> torch.Tensor:
    """CE(mean_t s_t, y) + alpha/T sum_t tau^2 KL(softmax(z/tau) || softmax(s_t/tau)).

    `step_logits` [T, B, C] are the student's per-step outputs, `teacher_logits` [B, C]. KL is
    summed over classes and averaged over the batch (the HSD code averages over classes too,
    which silently divides the distillation weight by C).
    """
    if step_logits.ndim != 3 or step_logits.shape[1:] != teacher_logits.shape:
        raise ValueError(
            f"student logits must be [T, B, C] matching teacher [B, C]; got "
            f"{tuple(step_logits.shape)} and {tuple(teacher_logits.shape)}"
        )
    ce = F.cross_entropy(step_logits.mean(0), labels)
    if alpha == 0:
        return ce
    n_steps, batch, n_classes = step_logits.shape
    target = F.log_softmax(teacher_logits.detach() / tau, dim=-1).expand(n_steps, batch, n_classes)
    log_student = F.log_softmax(step_logits / tau, dim=-1)
    kl = F.kl_div(log_student.flatten(0, 1), target.flatten(0, 1), reduction="sum", log_target=True)
    return ce + alpha * tau**2 * kl / (n_steps * batch)
