"""Forgetting coreset: per class, keep the samples a network forgets most often while learning.

Toneva et al. (2019): a forgetting event is a sample going from correctly to wrongly classified
between two presentations; unforgettable samples add little, often-forgotten ones carry the
class boundary. The counting is the pruning package's `forgetting` sampler, observed through
the trainer's hook during one proxy training run on all the data (keep=1.0).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spikeslim.condense.base import check_ipc, make_options
from spikeslim.condense.coreset import ProxyConfig, select_per_class
from spikeslim.datasets.base import FrameSet


#: Proxy epochs by default: a sample needs several passes before it can be forgotten at all.
PROXY_EPOCHS = 10


@dataclass(frozen=True)
class Forgetting:
    proxy: ProxyConfig

    def condense(self, train: FrameSet, ipc: int, *, seed: int, device: Any = None, progress: bool = True,
                 checkpoint: Path | None = None, resume: bool = False) -> FrameSet:
        from spikeslim.prune import build_sampler
        from spikeslim.prune.base import top_k
        from spikeslim.train import fit, resolve_device
        from spikeslim.train.plugins import RunContext

        check_ipc(train, ipc)
        start = time.perf_counter()
        counter = build_sampler("forgetting", train, keep=1.0, run=RunContext(seed=seed))  # counts, never prunes
        fit(self.proxy.build(train, seed), train, self.proxy.train_config(seed), sampler=counter,
            device=resolve_device(device), progress=progress)
        counts = np.asarray(counter.scores, dtype=np.float64)  # +inf: never learned, ranked first
        timings = {"proxy_training": time.perf_counter() - start}
        rng = np.random.default_rng(seed)
        return select_per_class(train, ipc, lambda c, ix: top_k(counts[ix], ipc, rng), method="forgetting",
                                options=asdict(self.proxy), seed=seed, timings=timings)


def build(**options: Any) -> Forgetting:
    """Options are the proxy network's settings (`ProxyConfig` fields; PROXY_EPOCHS by default)."""
    return Forgetting(make_options(ProxyConfig, "forgetting", {"epochs": PROXY_EPOCHS, **options}))
