"""ANN -> SNN conversion: a trained QCFS teacher becomes an IF student with the same weights.

Batch norm is folded into the preceding convolution (exact in evaluation mode), so the student
has no statistics that would drift when spikes replace activations; each QCFS bound becomes
the student's threshold scale, and the neurons start half-charged as QCFS's +1/2 shift assumes.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from spikeslim.latency.model import QCFSNet


@torch.no_grad()
def fold_batchnorm(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight and bias of the single convolution equal to bn(conv(x)) in evaluation mode."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    return conv.weight * scale[:, None, None, None], (bias - bn.running_mean) * scale + bn.bias


def student_options(teacher_options: dict[str, Any]) -> dict[str, Any]:
    """The student's options: the teacher's, spiking and without batch norm."""
    return dict(teacher_options, spiking=True, batch_norm=False)


@torch.no_grad()
def convert(teacher: QCFSNet) -> QCFSNet:
    """A new spiking student carrying the teacher's weights; the teacher is left untouched."""
    student = QCFSNet(teacher.in_shape, teacher.n_classes, **student_options(teacher.options))
    student.to(next(teacher.parameters()).device)
    modules = list(teacher.features)
    targets = iter(m for m in student.features if isinstance(m, nn.Conv2d))
    for i, module in enumerate(modules):
        if isinstance(module, nn.Conv2d):
            nxt = modules[i + 1] if i + 1 < len(modules) else None
            if isinstance(nxt, nn.BatchNorm2d):
                weight, bias = fold_batchnorm(module, nxt)
            else:
                weight, bias = module.weight, module.bias
            target = next(targets)
            target.weight.copy_(weight)
            target.bias.copy_(bias if bias is not None else torch.zeros_like(target.bias))
    for src, dst in zip(_bounds(teacher), _bounds(student), strict=True):
        dst.copy_(src)
    student.classifier.load_state_dict(teacher.classifier.state_dict())
    return student


def _bounds(model: QCFSNet) -> list[nn.Parameter]:
    return [m.bound for m in model.features if hasattr(m, "bound")]
