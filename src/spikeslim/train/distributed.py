"""Data-parallel training with PyTorch's own engine (torchrun + DistributedDataParallel).

Run `torchrun --nproc_per_node N -m spikeslim train --dataset ... --out DIR` (the same flags as
`spikeslim train`). Every process trains on its shard of each epoch's indices with
`batch_size` examples per step; gradients are averaged by DDP; only rank 0 writes files.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator, NamedTuple, Sequence

import numpy as np
import torch
import torch.distributed as dist


class DistContext(NamedTuple):
    rank: int
    world_size: int
    local_rank: int


def init_from_env(device: torch.device) -> tuple[DistContext | None, torch.device]:
    """Join the process group torchrun describes (WORLD_SIZE > 1); gloo on CPU, nccl on CUDA.

    Returns the context and this process's device (cuda:LOCAL_RANK when training on CUDA).
    """
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return None, device
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return current(), device


def current() -> DistContext | None:
    """The running process group, or None for single-process training."""
    if not (dist.is_available() and dist.is_initialized()):
        return None
    return DistContext(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def is_main() -> bool:
    """True on rank 0 and in single-process runs: the process that writes files and shows bars."""
    ctx = current()
    return ctx is None or ctx.rank == 0


@contextmanager
def main_first() -> Iterator[None]:
    """Rank 0 runs the block first (e.g. building the frame cache), then the others reuse its work."""
    ctx = current()
    if ctx is not None and ctx.rank != 0:
        dist.barrier()
    yield
    if ctx is not None and ctx.rank == 0:
        dist.barrier()


def shard(indices: np.ndarray, weights: np.ndarray, ctx: DistContext | None) -> tuple[np.ndarray, np.ndarray]:
    """This rank's share of an epoch: padded cyclically so every rank takes the same number of steps."""
    if ctx is None:
        return indices, weights
    total = -(-len(indices) // ctx.world_size) * ctx.world_size
    return np.resize(indices, total)[ctx.rank :: ctx.world_size], np.resize(weights, total)[ctx.rank :: ctx.world_size]


def all_sum(values: Sequence[float], device: torch.device) -> list[float]:
    """Sum numbers over ranks (identity without a process group)."""
    if current() is None:
        return [float(v) for v in values]
    t = torch.tensor(list(values), dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return t.tolist()

