"""Fine-tuning a converted student with the step-wise distillation loss.

`train.fit` trains with its config's "mean" or "tet" loss only, so SKD needs this short loop;
it reuses the trainer's batching, optimiser, checkpoint and resume helpers, so a student
checkpoint resumes like any other and `load_model` rebuilds it.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from spikeslim.datasets.base import FrameSet
from spikeslim.errors import CheckpointError, DivergedError
from spikeslim.latency.model import QCFSNet
from spikeslim.latency.skd import skd_loss
from spikeslim.progress import progress_bar
from spikeslim.train import TrainConfig, evaluate, save_checkpoint
from spikeslim.train.checkpoint import data_info, read_checkpoint
from spikeslim.train.data import batch, batches
from spikeslim.train.loop import EpochStats, TrainResult
from spikeslim.train.optim import make_optimizer
from spikeslim.train.resume import restore_train_state, train_state

#: the registry name under which `snn.models.build_model` builds QCFSNet teachers and students
MODEL_NAME = "qcfs"


@torch.no_grad()
def teacher_logits(teacher: torch.nn.Module, data: FrameSet, *, device: torch.device, batch_size: int = 256) -> torch.Tensor:
    """The teacher's answer per sample, logits averaged over all its frames: [N, C] on the CPU."""
    teacher.eval().to(device)
    out = [teacher(batch(data, np.arange(sl.start, sl.stop), device)[0]).mean(0).cpu()
           for sl in batches(len(data), batch_size)]
    return torch.cat(out)


def finetune(
    student: QCFSNet,
    train: FrameSet,
    targets: torch.Tensor,
    config: TrainConfig,
    *,
    alpha: float = 1.0,
    tau: float = 2.0,
    test: FrameSet | None = None,
    device: torch.device,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = False,
    progress: bool = True,
) -> TrainResult:
    """Train `student` in place on `train` (its T frames) towards `targets` [N, C] with SKD."""
    student.to(device).train()
    optimizer, scheduler = make_optimizer(student, config)
    result = TrainResult(history=[])
    if resume and checkpoint is not None and Path(checkpoint).exists():
        ckpt = read_checkpoint(checkpoint)
        if ckpt.get("skd") != {"alpha": alpha, "tau": tau}:
            raise CheckpointError(f"cannot resume {os.fspath(checkpoint)!r}: it was trained with SKD {ckpt.get('skd')}, "
                                  f"not alpha={alpha}, tau={tau}")
        state = restore_train_state(ckpt, checkpoint, config, student, optimizer, scheduler, None,
                                    data=data_info(train), model_spec=(MODEL_NAME, student.options))
        result.history = state["history"]
        result.wall_time_s = state["wall_time_s"]
    for epoch in range(len(result.history), config.epochs):
        start = time.perf_counter()
        gen = torch.Generator().manual_seed(int(np.random.SeedSequence([config.seed, epoch]).generate_state(1)[0]))
        order = torch.randperm(len(train), generator=gen).numpy()
        loss_sum, correct = 0.0, 0
        bar = progress_bar(total=len(train), unit="sample", desc=f"SKD T={train.T} epoch {epoch + 1}/{config.epochs}",
                           disable=not progress, leave=False)
        for sl in batches(len(order), config.batch_size):
            idx = np.sort(order[sl])
            x, y = batch(train, idx, device)
            if config.augment is not None:
                x = config.augment(x, gen)
            logits = student(x)
            loss = skd_loss(logits, targets[idx].to(device), y, alpha=alpha, tau=tau)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(idx)
            correct += int((logits.detach().mean(0).argmax(-1) == y).sum())
            bar.update(len(idx))
            bar.set_postfix(loss=f"{loss.item():.3f}")
        bar.close()
        if not math.isfinite(loss_sum):
            raise DivergedError(f"SKD fine-tuning at T={train.T} diverged in epoch {epoch + 1} (loss {loss_sum}); "
                                "lower --student-lr")
        scheduler.step()
        stats = EpochStats(epoch + 1, loss_sum / len(train), correct / len(train), None, 1.0, len(train),
                           optimizer.param_groups[0]["lr"], 0.0)
        if test is not None and epoch + 1 == config.epochs:
            result.final = evaluate(student, test, device=device)
            stats.test_accuracy = result.final["accuracy"]
        stats.wall_time_s = time.perf_counter() - start
        result.history.append(stats)
        result.wall_time_s += stats.wall_time_s
        if checkpoint is not None:
            history = [asdict(h) for h in result.history]
            extra = {"train_state": train_state(config, optimizer, scheduler, None, history, result.wall_time_s),
                     "skd": {"alpha": alpha, "tau": tau}}
            save_checkpoint(checkpoint, student, model_name=MODEL_NAME, model_kwargs=student.options,
                            data=data_info(train), extra=extra)
    if test is not None and not result.final:
        result.final = evaluate(student, test, device=device)
    return result
