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
from spikeslim.prune.base import check_proxies
from spikeslim.prune.static import StaticSampler, proxy_scores, timed_static
from spikeslim.train.data import batch, batches
from spikeslim.train.device import resolve_device
from spikeslim.train.losses import per_example_loss
from spikeslim.train.plugins import RunContext


def gradient_norms(
    model: torch.nn.Module, data: FrameSet, *, loss: str = "mean", device: str | None = None, progress: bool = True
) -> np.ndarray:
    """||d loss_i / d theta|| over all trainable parameters, one example at a time.

    The model is in eval mode so normalisation layers use their running statistics rather than
    statistics of a batch of one; those are first estimated on `data` (`calibrate_batch_norm`),
    since an untrained network's are 0 and 1 and would normalise nothing.
    """
    dev = resolve_device(device)
    calibrate_batch_norm(model.to(dev), data, dev)
    model.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    norms = np.zeros(len(data))
    for i in progress_bar(range(len(data)), desc="grand scores", unit="sample", disable=not progress, leave=False):
        x, y = batch(data, np.array([i]), dev)
        grads = torch.autograd.grad(per_example_loss(model(x), y, loss).sum(), params, allow_unused=True)
        norms[i] = float(torch.sqrt(sum(g.pow(2).sum() for g in grads if g is not None)))
    model.train()
    return norms


@torch.no_grad()
def calibrate_batch_norm(model: torch.nn.Module, data: FrameSet, device: torch.device, batch_size: int = 64) -> None:
    """Set every batch-norm layer's running statistics to their mean over the batches of `data` (weights and
    the training mode untouched).

    Why: scored at initialisation in eval mode, an uncalibrated network sees raw event counts;
    the gradient norms then mostly measure event density and the top-k drops whole classes
    (measured on nmnist-small: 4 of 10 classes got no kept example).
    """
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    momenta, was_training = [m.momentum for m in norms], model.training
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the batches below
    model.train()
    for rows in batches(len(data), batch_size):
        model(batch(data, np.arange(rows.start, rows.stop), device)[0])
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    model.train(was_training)


@dataclass(frozen=True)
class Options:
    score_epochs: int = 0  # proxy epochs before scoring; 0 scores at initialisation, as published
    n_proxies: int = 2

    def __post_init__(self) -> None:
        check_proxies("grand", self.score_epochs, self.n_proxies)


def build(train: FrameSet, keep: float, options: Options, run: RunContext) -> StaticSampler:
    def norms(model: torch.nn.Module, _: Any) -> np.ndarray:
        return gradient_norms(model, train, loss=run.config.loss, device=run.device, progress=run.progress)

    def scores():
        return proxy_scores(train, run, name="grand", epochs=options.score_epochs, n_proxies=options.n_proxies,
                            recorder=None, final=norms)

    return timed_static(train.labels, scores, keep=keep, seed=run.seed)
