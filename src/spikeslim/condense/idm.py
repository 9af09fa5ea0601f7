"""IDM, improved distribution matching (Zhao et al., CVPR 2023), on spiking networks.

DM with its three additions:
- **partly trained networks**: features come from a pool of networks trained for 0, 1, ...,
  pool-1 epochs on the real data (a fresh draw from the pool each iteration). IDM keeps a queue
  that goes on training during distillation; a fixed pool trained once before the loop keeps
  runs exactly resumable and still matches features at several stages of training;
- **partitioning and expansion**: each stored sample holds factor x factor smaller samples (its
  tiles), each decoded by nearest up-sampling to the full frame, so one stored sample trains
  like factor**2 samples at the same storage. The returned set holds the decoded samples (what
  a network trains on); `meta["ipc"]` stays the IPC of the stored samples (what storage is
  compared at) and `meta["decoded_per_class"]` counts the decoded ones;
- **class-aware regularisation**: the synthetic samples must also be classified correctly by
  the matched network (cross-entropy weighted `w_ce`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar

import torch
from torch import nn

from spikeslim.condense import dm
from spikeslim.condense.base import CondenseError, check_factor, class_major_labels, decoded_set
from spikeslim.condense.matching import network, paired_batch, syn_input, train_pool
from spikeslim.condense.synthetic import StepContext, run_distillation
from spikeslim.datasets.base import FrameSet
from spikeslim.train.plugins import RunContext


@dataclass(frozen=True)
class Options(dm.Options):
    """DM's options plus IDM's three additions."""

    METHOD: ClassVar[str] = "idm"

    pool: int = 5  # networks trained 0..pool-1 epochs
    factor: int = 2  # partition each stored sample into factor x factor decoded samples (1: off)
    w_ce: float = 0.1  # class-aware regularisation

    def __post_init__(self) -> None:
        super().__post_init__()
        if min(self.pool, self.factor) < 1 or self.w_ce < 0:
            raise CondenseError("idm: pool and factor must be positive, w_ce >= 0")


def build(train: FrameSet, ipc: int, options: Options, run: RunContext) -> FrameSet:
    o, f = options, options.factor
    spec = network(o)
    check_factor("idm", train, f)
    pool: list[nn.Module] = []
    decoded_ipc = ipc * f * f
    labels = torch.from_numpy(class_major_labels(train.n_classes, decoded_ipc))

    def prepare(dev: torch.device) -> None:
        pool.extend(train_pool(spec, train, o.pool, run.seed, dev))

    def step(ctx: StepContext) -> dict[str, float]:
        net = pool[int(ctx.rng.integers(len(pool)))]
        batch = paired_batch(ctx, train, decoded_ipc, o.real_batch, o.augment)
        with torch.no_grad():
            real = net(batch.real, return_features=True)[1].mean(dim=0)  # spike rates [B, D]
        logits, feats = net(syn_input(ctx, batch.syn_draw, f), return_features=True)
        syn = feats.mean(dim=0)
        match = sum((real[rows].mean(dim=0) - syn[c * decoded_ipc:(c + 1) * decoded_ipc].mean(dim=0)).pow(2).sum()
                    for c, rows in enumerate(batch.rows))
        ce = nn.functional.cross_entropy(logits.mean(dim=0), labels.to(logits.device))
        ctx.update(match + o.w_ce * ce)
        return {"loss": float(match.detach() + o.w_ce * ce.detach()), "match": float(match.detach()),
                "ce": float(ce.detach())}

    stored = run_distillation(train, ipc, step, o.loop_settings(f), run, method="idm", options=asdict(o),
                              prepare=prepare)
    return decoded_set(stored, f)
