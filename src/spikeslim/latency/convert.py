"""ANN -> SNN conversion: a trained QCFS teacher becomes an IF student with the same weights.

Batch norm is folded into the preceding convolution (exact in evaluation mode) or kept as a
layer for fine-tuning to re-normalise; each QCFS bound becomes
the student's threshold scale, and the neurons start half-charged as QCFS's +1/2 shift assumes.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from spikeslim.snn.models.qcfs import QCFSNet


@torch.no_grad()
def fold_batchnorm(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight and bias of the single convolution equal to bn(conv(x)) in evaluation mode."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    return conv.weight * scale[:, None, None, None], (bias - bn.running_mean) * scale + bn.bias


def student_options(teacher: QCFSNet, *, fold_bn: bool) -> dict[str, Any]:
    """The student's options: the teacher's, spiking, with batch norm unless it is folded."""
    has_bn = any(isinstance(m, nn.BatchNorm2d) for m in teacher.features)
    return dict(teacher.options, spiking=True, batch_norm=has_bn and not fold_bn)


@torch.no_grad()
def convert(teacher: QCFSNet, *, fold_bn: bool = True) -> QCFSNet:
    """A new spiking student carrying the teacher's weights; the teacher is left untouched.

    `fold_bn=False` keeps batch norm as a layer (as HSD's code does), so that fine-tuning at few
    steps can re-normalise the spiking layers; its state then loads unchanged.
    """
    student = QCFSNet(teacher.in_shape, teacher.n_classes, **student_options(teacher, fold_bn=fold_bn))
    ref = next(teacher.parameters())
    student.to(ref.device, ref.dtype)
    if not fold_bn:
        student.load_state_dict(teacher.state_dict())
        return student
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
