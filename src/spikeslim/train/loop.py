"""The training loop: seeded batches, per-example weighted loss, the sampler and loss hooks, checkpoints."""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from spikeslim.datasets.base import FrameSet
from spikeslim.errors import DivergedError, InvalidConfigError
from spikeslim.progress import progress_bar
from spikeslim.train import distributed
from spikeslim.snn.models import ModelSpec
from spikeslim.train.bptt import check_bptt, online_step, sltt_flags
from spikeslim.train.checkpoint import data_info, read_checkpoint, save_checkpoint
from spikeslim.train.config import TrainConfig
from spikeslim.train.data import batch, batches
from spikeslim.train.device import resolve_device
from spikeslim.train.evaluation import evaluate
from spikeslim.train.hooks import Sampler
from spikeslim.train.losses import ExampleLoss, per_example_loss
from spikeslim.train.optim import make_optimizer
from spikeslim.train.resume import EpochStats, restore_train_state, train_state


@dataclass
class TrainResult:
    """Per-epoch history, the final test metrics (`evaluate`'s dict) and totals."""

    history: list[EpochStats]
    final: dict[str, Any] = field(default_factory=dict)
    wall_time_s: float = 0.0

    @property
    def examples_seen(self) -> int:
        return sum(h.examples_seen for h in self.history)

    def to_dict(self) -> dict[str, Any]:
        return {
            "final": self.final,
            "wall_time_s": self.wall_time_s,
            "examples_seen": self.examples_seen,
            "history": [asdict(h) for h in self.history],
        }


def fit(
    model: nn.Module,
    train: FrameSet,
    config: TrainConfig,
    *,
    test: FrameSet | None = None,
    sampler: Sampler | None = None,
    loss: ExampleLoss | None = None,
    device: torch.device | str | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = False,
    progress: bool = True,
    model_spec: ModelSpec | None = None,
) -> TrainResult:
    """Train `model` in place on `train`; evaluate on `test`; checkpoint after every epoch.

    Each batch trains on `mean_i(w_i * loss_i)`, `w` the sampler's weights (1 without one) and
    `loss_i` the config's "mean"/"tet" loss or, given `loss`, that hook's (losses.ExampleLoss).
    `config.bptt` chooses full BPTT, SLTT or online SLTT (train.bptt); the LIF layers' `sltt`
    flags are as they were afterwards. `model_spec` makes the checkpoint loadable by `load_model`.
    With `resume`, training continues from `checkpoint` (if it exists) and ends with the same
    weights as an uninterrupted run.
    Inside a torchrun process group the model is wrapped in DDP and each rank trains on a shard.
    """
    if resume and checkpoint is None:
        raise InvalidConfigError("resume=True needs a checkpoint path to resume from")
    check_bptt(model, config, loss)
    device = resolve_device(device) if not isinstance(device, torch.device) else device
    ctx = distributed.current()
    model.to(device).train()
    net: nn.Module = model
    if ctx is not None:
        net = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    optimizer, scheduler = make_optimizer(model, config)
    result = TrainResult(history=[])
    loss_key = loss.key if loss is not None else None
    if resume and Path(checkpoint).exists():  # type: ignore[arg-type]
        state = restore_train_state(read_checkpoint(checkpoint), checkpoint, config, model, optimizer,  # type: ignore[arg-type]
                                    scheduler, sampler, data=data_info(train), model_spec=model_spec,
                                    loss_key=loss_key)
        result.history = state["history"]
        result.wall_time_s = state["wall_time_s"]
    show = progress and distributed.is_main()
    for epoch in range(len(result.history), config.epochs):
        start = time.perf_counter()
        with sltt_flags(model, config.bptt == "sltt"):
            stats = _train_epoch(net, optimizer, train, config, epoch, sampler, loss, device, ctx, show)
        if not math.isfinite(stats.loss):
            kept = f"; the last good checkpoint is {os.fspath(checkpoint)}" if checkpoint is not None and epoch else ""
            raise DivergedError(f"training diverged in epoch {epoch + 1}: the loss is {stats.loss} "
                                f"(lr {config.lr}); lower --lr{kept}")
        scheduler.step()
        last = epoch + 1 == config.epochs
        if test is not None and (last or (epoch + 1) % config.eval_every == 0):
            metrics = evaluate(model, test, device=device)
            stats.test_accuracy = metrics["accuracy"]
            result.final = metrics if last else result.final
        stats.wall_time_s = time.perf_counter() - start
        result.history.append(stats)
        result.wall_time_s += stats.wall_time_s
        if show:
            test_txt = "" if stats.test_accuracy is None else f" test {stats.test_accuracy:.2%}"
            tqdm.write(
                f"epoch {epoch + 1}/{config.epochs} loss {stats.loss:.4f} train {stats.train_accuracy:.2%}"
                f"{test_txt} kept {stats.kept_fraction:.0%} {stats.wall_time_s:.1f} s"
            )
        if checkpoint is not None and distributed.is_main():
            history = [asdict(h) for h in result.history]
            extra = {"train_state": train_state(config, optimizer, scheduler, sampler, history, result.wall_time_s,
                                                loss_key)}
            save_checkpoint(checkpoint, model, model_spec=model_spec, data=data_info(train), extra=extra)
    if test is not None and not result.final:  # resumed after the last epoch had already finished
        result.final = evaluate(model, test, device=device)
    return result


def _train_epoch(
    net: nn.Module,
    optimizer: torch.optim.Optimizer,
    train: FrameSet,
    config: TrainConfig,
    epoch: int,
    sampler: Sampler | None,
    loss: ExampleLoss | None,
    device: torch.device,
    ctx: distributed.DistContext | None,
    show: bool,
) -> EpochStats:
    gen = torch.Generator().manual_seed(int(np.random.SeedSequence([config.seed, epoch]).generate_state(1)[0]))
    if sampler is None:
        indices, weights = np.arange(len(train)), np.ones(len(train), dtype=np.float32)
    else:
        indices, weights = (np.asarray(a) for a in sampler.plan(epoch, config.epochs))
    order = torch.randperm(len(indices), generator=gen).numpy()
    planned = len(indices)
    indices, weights = distributed.shard(indices[order], weights[order].astype(np.float32), ctx)
    kept = planned / len(train)
    sums = torch.zeros(3, dtype=torch.float64, device=device)  # loss, correct, count
    bar = progress_bar(total=len(indices), unit="sample", desc=f"epoch {epoch + 1}/{config.epochs}", disable=not show,
                       leave=False)
    for step, sl in enumerate(batches(len(indices), config.batch_size)):
        by_position = np.argsort(indices[sl], kind="stable")  # sorted reads are fast on memmaps
        idx, w = indices[sl][by_position], torch.from_numpy(weights[sl][by_position]).to(device)
        x, y = batch(train, idx, device)
        if config.augment is not None:
            x = config.augment(x, gen)
        optimizer.zero_grad(set_to_none=True)
        if config.bptt == "online":  # backward done; logits come detached, and so do the losses below
            logits, features = online_step(net, x, y, w, config.tet_lambda, with_features=sampler is not None)
        else:
            logits, features = net(x, return_features=True) if sampler is not None else (net(x), None)
        rows = torch.from_numpy(idx)
        losses = per_example_loss(logits, y, config.loss, config.tet_lambda) if loss is None else loss(logits, y, rows)
        if losses.shape != y.shape:
            raise ValueError(f"the loss hook must give one loss per example, shape {tuple(y.shape)}, "
                             f"not {tuple(losses.shape)}")
        if config.bptt != "online":
            (losses * w).mean().backward()
        optimizer.step()
        if sampler is not None:
            sampler.observe(rows, logits.detach(), features.detach(), y)  # type: ignore[union-attr]
        with torch.no_grad():
            sums += torch.stack([losses.sum(), (logits.mean(0).argmax(-1) == y).sum(), torch.tensor(len(idx))]).to(sums)
        bar.update(len(idx))
        if show and step % 10 == 0:
            s = sums.tolist()
            bar.set_postfix(loss=f"{s[0] / s[2]:.3f}", acc=f"{s[1] / s[2]:.1%}", kept=f"{kept:.0%}")
    bar.close()
    loss_sum, correct, count = distributed.all_sum(sums.tolist(), device)
    return EpochStats(
        epoch=epoch + 1,
        loss=loss_sum / count,
        train_accuracy=correct / count,
        test_accuracy=None,
        kept_fraction=kept,
        examples_seen=planned,
        lr=optimizer.param_groups[0]["lr"],
        wall_time_s=0.0,
    )
