"""Forgetting coreset: per class, keep the samples a network forgets most often while learning.

Toneva et al. (2019): a forgetting event is a sample going from correctly to wrongly classified
between two presentations; unforgettable samples add little, often-forgotten ones carry the
class boundary. The counting is the pruning package's `forgetting` sampler, observed through
the trainer's hook during one proxy training run on all the data (keep=1.0).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from spikeslim.condense.base import check_ipc
from spikeslim.condense.coreset import ProxyConfig, select_per_class
from spikeslim.datasets.base import FrameSet
from spikeslim.train.plugins import RunContext


@dataclass(frozen=True)
class Options(ProxyConfig):
    """The proxy network's settings; it trains longer than for embeddings, because a sample
    needs several passes before it can be forgotten at all."""

    epochs: int = 10


def build(train: FrameSet, ipc: int, options: Options, run: RunContext) -> FrameSet:
    from spikeslim.prune import build_sampler
    from spikeslim.prune.base import top_k
    from spikeslim.train import fit, resolve_device

    check_ipc(train, ipc)
    start = time.perf_counter()
    counter = build_sampler("forgetting", train, keep=1.0, run=run)  # counts, never prunes
    fit(options.build(train, run.seed), train, options.train_config(run.seed), sampler=counter,
        device=resolve_device(run.device), progress=run.progress)
    counts = np.asarray(counter.scores, dtype=np.float64)  # +inf: never learned, ranked first
    timings = {"proxy_training": time.perf_counter() - start}
    rng = np.random.default_rng(run.seed)
    return select_per_class(train, ipc, lambda c, ix: top_k(counts[ix], ipc, rng), method="forgetting",
                            options=asdict(options), seed=run.seed, timings=timings)
