"""HSD end to end: a QCFS teacher trained on F frames, then for each step count T a student
converted from it and fine-tuned with SKD on the same events binned into T frames.

Both are trained by `train.fit`, the students with SKD as its loss hook. Every stage
checkpoints into one folder (`teacher.pt`, `student_T<T>.pt`), so an interrupted run resumes
where it stopped and each student loads with `train.load_model`.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from spikeslim.datasets import FrameSpec, load_frames
from spikeslim.datasets.base import FrameSet
from spikeslim.datasets.loading import rebin_frameset
from spikeslim.errors import DivergedError, InvalidConfigError
from spikeslim.files import write_json
from spikeslim.latency.convert import convert
from spikeslim.latency.skd import SKDHook, teacher_logits
from spikeslim.snn.models import ModelSpec
from spikeslim.snn.models.qcfs import QCFSNet
from spikeslim.train import TrainConfig, evaluate, fit, resolve_device

TEACHER_KINDS = ("ann", "snn")
#: the registry name under which `snn.models.build_model` builds QCFSNet teachers and students
MODEL_NAME = "qcfs"


@dataclass(frozen=True)
class HSDConfig:
    """The whole recipe: teacher frames F, student step counts, network, SKD weights, two trainings.

    `teacher_kind` "ann" is HSD's QCFS ANN (each frame alone, logits averaged: blind to the order
    of frames); "snn" trains the same network spiking at F steps, whose membranes carry time.
    """

    train_frames: int = 16
    teacher_kind: str = "ann"
    steps: tuple[int, ...] = (1, 2, 4)
    channels: tuple[int, ...] = (32, 64, 128)
    levels: int = 4
    bound: float = 2.0  # HSD's code starts at 8; with short training here a dead student resulted (docs/hsd.md)
    fold_bn: bool = False  # keep batch norm in the student, as HSD's code does: fine-tuning re-normalises spikes
    alpha: float = 1.0
    tau: float = 2.0
    teacher: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=10, lr=1e-3))
    student: TrainConfig = field(default_factory=lambda: TrainConfig(epochs=5, lr=1e-3))

    def __post_init__(self) -> None:
        bad = [T for T in self.steps if not 1 <= T <= self.train_frames]
        if not self.steps or bad:
            raise InvalidConfigError(
                f"--steps {list(self.steps)}: each must lie in 1..{self.train_frames} (the teacher's frames)"
            )
        if self.teacher_kind not in TEACHER_KINDS:
            raise InvalidConfigError(f"teacher {self.teacher_kind!r} is not one of {', '.join(TEACHER_KINDS)}")
        if self.alpha < 0 or self.tau <= 0:
            raise InvalidConfigError(f"SKD needs alpha >= 0 and tau > 0, got alpha={self.alpha}, tau={self.tau}")

    def teacher_options(self) -> dict[str, Any]:
        return dict(channels=list(self.channels), spiking=self.teacher_kind == "snn", batch_norm=True,
                    levels=self.levels, bound=self.bound, ref_frames=self.train_frames)


def train_teacher(
    train: FrameSet, test: FrameSet | None, config: HSDConfig, *, out_dir: Path, device: torch.device,
    resume: bool = False, progress: bool = True,
) -> tuple[QCFSNet, dict[str, Any]]:
    """Train the teacher on F frames per sample (the ANN's prediction averages the frames' logits)."""
    torch.manual_seed(config.teacher.seed)
    teacher = QCFSNet(train.shape[1:], train.n_classes, **config.teacher_options())
    result = fit(teacher, train, config.teacher, test=test, device=device, checkpoint=out_dir / "teacher.pt",
                 resume=resume, progress=progress, model_spec=ModelSpec(MODEL_NAME, teacher.options))
    return teacher, {"accuracy": result.final.get("accuracy"), "T": train.T, "wall_time_s": result.wall_time_s}


def train_student(
    teacher: QCFSNet, train: FrameSet, test: FrameSet | None, T: int, targets: torch.Tensor, config: HSDConfig,
    *, out_dir: Path, device: torch.device, resume: bool = False, progress: bool = True,
) -> dict[str, Any]:
    """Convert, measure the converted student at T, fine-tune it with SKD, measure again."""
    student = convert(teacher, fold_bn=config.fold_bn)
    train_T = rebin_frameset(train, T)
    test_T = rebin_frameset(test, T) if test is not None else None
    row: dict[str, Any] = {"T": T}
    if test_T is not None:
        row["converted_accuracy"] = evaluate(student, test_T, device=device)["accuracy"]
    try:
        result = fit(student, train_T, config.student, test=test_T, loss=SKDHook(targets, config.alpha, config.tau),
                     device=device, checkpoint=out_dir / f"student_T{T}.pt", resume=resume, progress=progress,
                     model_spec=ModelSpec(MODEL_NAME, student.options))
    except DivergedError as err:
        raise DivergedError(f"SKD fine-tuning at T={T}: {err} (the students' rate is --student-lr)") from err
    if result.final:
        row.update(hsd_accuracy=result.final["accuracy"], per_step_accuracy=result.final["per_step_accuracy"],
                   spike_rate=result.final.get("spike_rate"))
    row["finetune_time_s"] = result.wall_time_s
    row["checkpoint"] = os.fspath(out_dir / f"student_T{T}.pt")
    return row


def run_hsd(
    train: FrameSet, test: FrameSet | None, config: HSDConfig, *, out_dir: str | os.PathLike[str],
    device: str | torch.device | None = None, resume: bool = False, progress: bool = True,
) -> dict[str, Any]:
    """Teacher, then one student per T in `config.steps`; writes and returns `results.json`'s content."""
    if train.T != config.train_frames:
        raise InvalidConfigError(f"training data has {train.T} frames per sample, the recipe says {config.train_frames}")
    out = Path(out_dir)
    dev = device if isinstance(device, torch.device) else resolve_device(device)
    teacher, teacher_metrics = train_teacher(train, test, config, out_dir=out, device=dev, resume=resume,
                                             progress=progress)
    targets = teacher_logits(teacher, train, device=dev)
    students = [train_student(teacher, train, test, T, targets, config, out_dir=out, device=dev, resume=resume,
                              progress=progress) for T in config.steps]
    summary = {"dataset": None if train.spec is None else train.spec.dataset, "config": asdict(config), "teacher": teacher_metrics,
               "students": students}
    write_json(out / "results.json", summary)
    return summary


def hsd_run(
    dataset: str, config: HSDConfig, *, out_dir: str | os.PathLike[str], binning: str = "time", downsample: int = 1,
    data_dir: str | None = None, cache_dir: str | None = None, device: str | None = None, resume: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """`run_hsd` on a registered dataset binned into the teacher's F frames (the `latency` command)."""
    spec = FrameSpec.of(dataset, T=config.train_frames, binning=binning, downsample=downsample, data_dir=data_dir)
    train, test = (load_frames(spec, split, cache_dir=cache_dir, progress=progress) for split in ("train", "test"))
    return run_hsd(train, test, config, out_dir=out_dir, device=device, resume=resume, progress=progress)
