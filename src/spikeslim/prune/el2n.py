"""EL2N (Paul et al., NeurIPS 2021): keep the examples with the largest error norm early in training.

The score is ||softmax(o) - y|| from the last epoch of short proxy runs (by default 10% of the
run's epochs), averaged over proxies; it is read from the proxy's own training passes.
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from spikeslim.datasets.base import FrameSet
from spikeslim.prune.scores import el2n
from spikeslim.prune.static import ScoreRecorder, StaticSampler, proxy_scores, timed_static


def build(
    train: FrameSet,
    *,
    keep: float,
    seed: int,
    model_factory: Callable[[], torch.nn.Module] | None = None,
    config: Any = None,
    score_epochs: int | None = None,
    n_proxies: int = 2,
    device: str | None = None,
    progress: bool = True,
) -> StaticSampler:
    def scores():
        return proxy_scores(
            train, name="el2n", model_factory=model_factory, config=config, epochs=score_epochs,
            default_fraction=0.1, n_proxies=n_proxies, seed=seed,
            recorder=lambda s: ScoreRecorder(len(train), el2n, seed=s), device=device, progress=progress,
        )

    return timed_static(len(train), scores, keep=keep, seed=seed)
