"""GraNd (Paul et al., NeurIPS 2021): keep the examples with the largest loss-gradient norm.

The norm is over all parameters, per example, at initialisation by default (`score_epochs=0`,
as published) or after a short proxy run, averaged over `n_proxies` fresh models. Unlike the
SADP bound it needs one extra forward and backward pass per example and proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from spikeslim.datasets.base import FrameSet
from spikeslim.progress import progress_bar
from spikeslim.prune.static import StaticSampler, proxy_scores, timed_static
from spikeslim.train.data import batch
from spikeslim.train.device import resolve_device
from spikeslim.train.losses import per_example_loss
from spikeslim.train.plugins import RunContext


def gradient_norms(
    model: torch.nn.Module, data: FrameSet, *, loss: str = "mean", device: str | None = None, progress: bool = True
) -> np.ndarray:
    """||d loss_i / d theta|| over all trainable parameters, one example at a time.

    The model is in eval mode so normalisation layers use their running statistics rather than
    statistics of a batch of one.
    """
    dev = resolve_device(device)
    model.to(dev).eval()
    params = [p for p in model.parameters() if p.requires_grad]
    norms = np.zeros(len(data))
    for i in progress_bar(range(len(data)), desc="grand scores", unit="sample", disable=not progress, leave=False):
        x, y = batch(data, np.array([i]), dev)
        grads = torch.autograd.grad(per_example_loss(model(x), y, loss).sum(), params, allow_unused=True)
        norms[i] = float(torch.sqrt(sum(g.pow(2).sum() for g in grads if g is not None)))
    model.train()
    return norms


@dataclass(frozen=True)
class Options:
    score_epochs: int = 0  # proxy epochs before scoring; 0 scores at initialisation, as published
    n_proxies: int = 2


def build(train: FrameSet, keep: float, options: Options, run: RunContext) -> StaticSampler:
    def norms(model: torch.nn.Module, _: Any) -> np.ndarray:
        return gradient_norms(model, train, loss=run.config.loss, device=run.device, progress=run.progress)

    def scores():
        return proxy_scores(train, run, name="grand", epochs=options.score_epochs, n_proxies=options.n_proxies,
                            recorder=None, final=norms)

    return timed_static(len(train), scores, keep=keep, seed=run.seed)
