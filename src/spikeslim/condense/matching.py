"""What the matching distillers (pace, dm, dc, idm) share: their networks and class-shared augmentation.

All three look at data through the same spiking networks: freshly initialised ones (drawn from a
per-iteration generator, so runs are reproducible and resumable) or a frozen teacher trained
once on the real data with the project's trainer and cached in the checkpoint folder.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn

from spikeslim.condense.base import CondenseError, class_major_labels, expand
from spikeslim.condense.synthetic import StepContext
from spikeslim.datasets.base import FrameSet
from spikeslim.snn.models import ModelSpec
from spikeslim.train.augment import SHIFTS, AugmentDraw, FrameAugment, apply
from spikeslim.train.config import TrainConfig
from spikeslim.train.data import to_input
from spikeslim.train.loop import fit


def network(options: Any) -> ModelSpec:
    """The network a distiller's options name (`model`, `width`, `depth`: narrower than
    evaluation's, for speed)."""
    return ModelSpec(options.model, {"width": options.width, "depth": options.depth})


def check_network(method: str, options: Any) -> None:
    """Fail at option time, not after data loading, on a network the options cannot name."""
    if min(options.width, options.depth) < 1:
        raise CondenseError(f"{method}: width and depth must be positive, got {options.width} and {options.depth}")
    network(options)  # an unknown model name is a one-line UnknownNameError here


def fresh_net(spec: ModelSpec, train: FrameSet, generator: torch.Generator, device: torch.device) -> nn.Module:
    """A freshly initialised network whose weights depend only on `generator`."""
    seed = int(torch.randint(2**62, (1,), generator=generator))
    return spec.build(train.shape[1:], train.n_classes, seed=seed).to(device)


@torch.no_grad()
def calibrate(net: nn.Module, real: torch.Tensor) -> nn.Module:
    """Set a fresh network's batch-norm statistics to those of a real batch, then freeze it.

    Freshly initialised, a batch-norm network in eval mode does not normalise: on sparse event
    counts its convolutions stay below threshold and `scnn` emits no spike at all, so spike-rate
    matching (DM, IDM) gets no gradient and PACE's deeper layers see nothing. Measured on the real
    data, the norms put real input on the scale the network was built for, and the frozen network
    compares the synthetic input on that same scale. Networks without batch norm are unchanged.
    """
    norms = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if norms:
        momenta = [m.momentum for m in norms]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # a cumulative average: exactly this batch's statistics
        net.train()(real)
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
    return freeze(net)


def real_sample(train: FrameSet, per_class: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """Network input of up to `per_class` random real samples of every class (for `calibrate`)."""
    rows = []
    for c in range(train.n_classes):
        ix = np.flatnonzero(train.labels == c)
        rows.append(ix[torch.randperm(len(ix), generator=generator)[:per_class].numpy()])
    return to_input(train.frames[np.sort(np.concatenate(rows))], device)


def freeze(net: nn.Module) -> nn.Module:
    """Eval mode, no parameter gradients: only the synthetic frames are optimised."""
    for p in net.parameters():
        p.requires_grad_(False)
    return net.eval()


def train_teacher(spec: ModelSpec, train: FrameSet, *, epochs: int, seed: int, device: torch.device,
                  folder: Path | None, progress: bool) -> nn.Module:
    """Train `spec` on the real data with augmentation; cached (and resumable) in `folder`.

    The file is named by everything the teacher depends on (data, network, epochs, seed), so one
    folder can serve many runs: every IPC and ablation of a dataset and seed reuses one teacher.
    """
    generator = torch.Generator().manual_seed(seed)
    net = fresh_net(spec, train, generator, device)
    config = TrainConfig(epochs=epochs, batch_size=32, lr=2e-3, augment=SHIFTS, seed=seed)
    path = Path(folder) / teacher_file(spec, train, epochs, seed) if folder is not None else None
    fit(net, train, config, device=device, checkpoint=path, resume=path is not None, progress=progress,
        model_spec=spec)
    return freeze(net)


def train_pool(spec: ModelSpec, train: FrameSet, size: int, seed: int, device: torch.device) -> list[nn.Module]:
    """Networks trained 0, 1, ..., size-1 epochs (each from its own seed), frozen; the untrained
    one `calibrate`d on real data."""
    pool = []
    for k in range(size):
        net = spec.build(train.shape[1:], train.n_classes, seed=seed * 1000 + k).to(device)
        if k:
            config = TrainConfig(epochs=k, batch_size=32, lr=2e-3, augment=SHIFTS,
                                 seed=seed * 1000 + k)
            fit(net, train, config, device=device, progress=False)
            pool.append(freeze(net))
        else:
            pool.append(calibrate(net, real_sample(train, 16, torch.Generator().manual_seed(seed), device)))
    return pool


def teacher_file(spec: ModelSpec, train: FrameSet, epochs: int, seed: int) -> str:
    """`teacher-<key>.pt`, the key hashing the teacher's data, network, training length and seed."""
    net = {"model": spec.name, **spec.kwargs}
    key = json.dumps([train.settings(), len(train), list(train.shape), net, epochs, seed], sort_keys=True)
    return f"teacher-{hashlib.sha1(key.encode()).hexdigest()[:12]}.pt"


def class_shared_draws(augment: FrameAugment, n_classes: int, labels: list[np.ndarray],
                       shape: tuple[int, int], generator: torch.Generator) -> list[AugmentDraw]:
    """One augmentation per class, expanded to each batch in `labels` (as DM/DSA: the real and
    the synthetic samples of a class are transformed alike, so matching compares like with like)."""
    per_class = augment.draw(n_classes, *shape, generator=generator)
    return [AugmentDraw(*(field[torch.from_numpy(y)] for field in per_class)) for y in labels]


class PairedBatch(NamedTuple):
    real: torch.Tensor  # [T, B, 2, H, W] network input, class-major, already augmented
    rows: list[slice]  # where each class's real samples sit along B
    syn_draw: AugmentDraw | None  # the augmentation to apply to the synthetic input


def paired_batch(ctx: StepContext, train: FrameSet, ipc: int, per_class: int, augment: bool) -> PairedBatch:
    """A fresh real batch of up to `per_class` samples of every class, and (with `augment`) one
    random shift per class shared by that class's real and synthetic samples (DSA's Siamese
    augmentation, without flips: `train.augment.SHIFTS`)."""
    batches = [ctx.real(c, per_class) for c in range(train.n_classes)]
    sizes = [len(b) for b in batches]
    ends = np.cumsum(sizes)
    rows = [slice(int(end - n), int(end)) for n, end in zip(sizes, ends)]
    x = to_input(np.concatenate(batches), ctx.device)
    if not augment:
        return PairedBatch(x, rows, None)
    labels = [np.repeat(np.arange(train.n_classes), sizes), class_major_labels(train.n_classes, ipc)]
    real_draw, syn_draw = class_shared_draws(SHIFTS, train.n_classes, labels, train.shape[-2:], ctx.cpu_gen)
    return PairedBatch(apply(x, real_draw), rows, syn_draw)


def syn_input(ctx: StepContext, draw: AugmentDraw | None, factor: int = 1) -> torch.Tensor:
    """The synthetic frames (through PEQ-N; decoded by `expand` when partitioned by `factor`) as
    network input, augmented like their real batch."""
    x = to_input(expand(ctx.synthetic.counts(ctx.dev_gen), factor))
    return x if draw is None else apply(x, draw)
