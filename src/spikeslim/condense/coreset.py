"""What coreset methods share: packaging chosen real samples, option checking and embeddings.

A coreset is a condensed set made of real training samples, so every coreset method only decides
*which* indices to keep per class; the rest (validation, class-major order, meta) lives here.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np
import torch

from spikeslim.condense.base import CondenseError, check_ipc, condensed_set
from spikeslim.datasets.base import FrameSet
from spikeslim.snn.models import ModelSpec
from spikeslim.train.plugins import RunContext


def select_per_class(
    train: FrameSet,
    ipc: int,
    choose: Callable[[int, np.ndarray], np.ndarray],
    *,
    method: str,
    options: dict[str, Any],
    seed: int,
    timings: dict[str, float] | None = None,
) -> FrameSet:
    """Keep `choose(c, class_indices)` (ipc positions into that class's indices) for each class.

    The selected training indices are recorded in `meta["indices"]` so a coreset can be traced
    back to the recordings it came from.
    """
    start = time.perf_counter()
    picked = []
    for c, ix in enumerate(check_ipc(train, ipc)):
        pos = np.asarray(choose(c, ix), dtype=np.int64)
        if len(pos) != ipc or len(np.unique(pos)) != ipc:
            raise CondenseError(f"{method}: class {c} selection returned {len(pos)} positions, expected {ipc} distinct")
        picked.append(ix[pos])
    indices = np.concatenate(picked)
    timings = {**(timings or {}), "select": time.perf_counter() - start}
    return condensed_set(train, train.frames[indices], train.labels[indices], method=method, options=options,
                         timings=timings, ipc=ipc, seed=seed, extra={"indices": indices.tolist()})


@dataclass(frozen=True)
class ProxyConfig:
    """The briefly trained network coreset methods learn from (embeddings, forgetting counts).

    Why trained: a random network's features barely separate classes, so geometric selection
    on them is close to random; a few epochs give features with class structure.
    """

    model: str = "scnn"  # the protocol's network (docs/protocol.md), cheap at full resolution
    model_kwargs: dict[str, Any] = field(default_factory=dict)
    epochs: int = 4
    batch_size: int = 64
    lr: float = 1e-3

    def __post_init__(self) -> None:
        ModelSpec(self.model, self.model_kwargs)  # an unknown name or non-dict options fail here, in one line
        if min(self.epochs, self.batch_size) < 1 or self.lr <= 0:
            raise CondenseError(f"proxy: epochs and batch_size must be at least 1 and lr positive, got "
                                f"{self.epochs}, {self.batch_size}, {self.lr}")

    def build(self, train: FrameSet, seed: int) -> torch.nn.Module:
        """A fresh network shaped for `train`, its weights drawn from `seed`."""
        return ModelSpec(self.model, self.model_kwargs).build(train.shape[1:], train.n_classes, seed=seed)

    def train_config(self, seed: int) -> Any:
        from spikeslim.train import TrainConfig

        return TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, seed=seed)


def embed(train: FrameSet, proxy: ProxyConfig, run: RunContext) -> np.ndarray:
    """Train the proxy on `train` and return its penultimate spike rates [N, D].

    Features are the spikes entering the classifier, averaged over time steps.
    """
    from spikeslim.train import fit, resolve_device, to_input

    dev = resolve_device(run.device)
    model = proxy.build(train, run.seed)
    fit(model, train, proxy.train_config(run.seed), device=dev, progress=run.progress)
    model.eval()
    out = []
    with torch.no_grad():
        for lo in range(0, len(train), proxy.batch_size):
            _, feats = model(to_input(train.frames[lo:lo + proxy.batch_size], dev), return_features=True)
            out.append(feats.float().mean(0).flatten(1).cpu().numpy())
    return np.concatenate(out)


def select_by_embedding(train: FrameSet, ipc: int, proxy: ProxyConfig, run: RunContext, *, method: str,
                        rule: Callable[[np.ndarray, int], np.ndarray]) -> FrameSet:
    """Embed the training set once with `proxy`, then keep `rule(features, ipc)` of each class.

    `rule` returns `ipc` distinct row positions; herding and k-center are such rules.
    """
    check_ipc(train, ipc)  # fail before spending time on the embedding
    start = time.perf_counter()
    feats = embed(train, proxy, run)
    timings = {"embed": time.perf_counter() - start}
    return select_per_class(train, ipc, lambda c, ix: rule(feats[ix], ipc), method=method,
                            options=asdict(proxy), seed=run.seed, timings=timings)
