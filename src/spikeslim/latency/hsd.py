"""HSD: a QCFS teacher trained on F frames, then for each step count T a student converted from
it and fine-tuned with SKD on the same events binned into T frames.

Both are trained by `train.fit` (the teacher with the run's recipe, the students with SKD as its
loss hook and `student_epochs`, `student_lr`). Every stage checkpoints into the run's folder
(`teacher.pt`, `student_T<T>.pt`), so an interrupted run resumes where it stopped and each
student loads with `train.load_model`. With alpha 0 it is conversion plus CE fine-tuning.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import torch

from spikeslim.datasets.base import FrameSet
from spikeslim.datasets.loading import rebin_frameset
from spikeslim.errors import DivergedError, InvalidConfigError
from spikeslim.latency.base import (MODEL_NAME, LatencyResult, NetworkOptions, Trained, checkpoint_path, network_row,
                                    recipe)
from spikeslim.latency.convert import convert
from spikeslim.latency.skd import SKDHook, teacher_logits
from spikeslim.snn.models import ModelSpec
from spikeslim.snn.models.qcfs import QCFSNet
from spikeslim.train import evaluate, fit, resolve_device
from spikeslim.train.plugins import RunContext

TEACHER_KINDS = ("ann", "snn")


@dataclass(frozen=True)
class Options(NetworkOptions):
    """Teacher, conversion and SKD; the teacher trains with the run's recipe.

    `teacher` "ann" is HSD's QCFS ANN (each frame alone, logits averaged: blind to the order of
    frames); "snn" trains the same network spiking at F steps, whose membranes carry time.
    """

    teacher: str = "ann"
    levels: int = 4
    fold_bn: bool = False  # keep batch norm in the student, as HSD's code does: fine-tuning re-normalises spikes
    alpha: float = 1.0
    tau: float = 2.0
    student_epochs: int = 5
    student_lr: float = 1e-3

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.teacher not in TEACHER_KINDS:
            raise InvalidConfigError(f"hsd: teacher {self.teacher!r} is not one of {', '.join(TEACHER_KINDS)}")
        if self.alpha < 0 or self.tau <= 0:
            raise InvalidConfigError(f"hsd: SKD needs alpha >= 0 and tau > 0, got alpha={self.alpha}, tau={self.tau}")
        if self.levels < 1 or self.student_epochs < 1 or not 0 < self.student_lr < math.inf:
            raise InvalidConfigError(f"hsd: levels and student_epochs must be positive, student_lr positive and "
                                     f"finite, got {self.levels}, {self.student_epochs}, {self.student_lr}")

    def teacher_options(self, frames: int) -> dict[str, Any]:
        return dict(channels=list(self.channels), spiking=self.teacher == "snn", batch_norm=True,
                    levels=self.levels, bound=self.bound, ref_frames=frames)


def build(train: FrameSet, steps: tuple[int, ...], options: Options, run: RunContext, *,
          test: FrameSet | None = None) -> LatencyResult:
    """Teacher, then one student per T in `steps`."""
    teacher = train_teacher(train, test, options, run)
    targets = teacher_logits(teacher.model, train, device=resolve_device(run.device))
    students = [train_student(teacher.model, train, test, T, targets, options, run) for T in steps]
    return LatencyResult(students, teacher=teacher)


def train_teacher(train: FrameSet, test: FrameSet | None, options: Options, run: RunContext) -> Trained:
    """Train the teacher on F frames per sample (the ANN's prediction averages the frames' logits)."""
    teacher = ModelSpec(MODEL_NAME, options.teacher_options(train.T)).build(train.shape[1:], train.n_classes,
                                                                           seed=run.seed)
    path = checkpoint_path(run, "teacher.pt")
    result = fit(teacher, train, recipe(run), test=test, device=resolve_device(run.device), checkpoint=path,
                 resume=run.resume, progress=run.progress, model_spec=ModelSpec(MODEL_NAME, teacher.options))
    return Trained(teacher, network_row(train.T, result, path))


def train_student(
    teacher: QCFSNet, train: FrameSet, test: FrameSet | None, T: int, targets: torch.Tensor, options: Options,
    run: RunContext,
) -> Trained:
    """Convert, measure the converted student at T, fine-tune it with SKD, measure again."""
    student = convert(teacher, fold_bn=options.fold_bn)
    train_T = rebin_frameset(train, T)
    test_T = rebin_frameset(test, T) if test is not None else None
    device = resolve_device(run.device)
    converted = {} if test_T is None else {"converted_accuracy": evaluate(student, test_T, device=device)["accuracy"]}
    config = dataclasses.replace(recipe(run), epochs=options.student_epochs, lr=options.student_lr)
    path = checkpoint_path(run, f"student_T{T}.pt")
    try:
        result = fit(student, train_T, config, test=test_T, loss=SKDHook(targets, options.alpha, options.tau),
                     device=device, checkpoint=path, resume=run.resume, progress=run.progress,
                     model_spec=ModelSpec(MODEL_NAME, student.options))
    except DivergedError as err:
        raise DivergedError(f"SKD fine-tuning at T={T}: {err} (the students' rate is --student-lr)") from err
    return Trained(student, {"T": T, **converted, **network_row(T, result, path)})
