"""What coreset methods share: packaging chosen real samples, option checking and embeddings.

A coreset is a condensed set made of real training samples, so every coreset method only decides
*which* indices to keep per class; the rest (validation, class-major order, meta) lives here.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Callable, TypeVar

import numpy as np
import torch

from spikeslim.condense.base import CondenseError, check_ipc, condensed_set
from spikeslim.datasets.base import FrameSet

C = TypeVar("C")


def build_with(cls: Callable[..., C], options: dict[str, Any]) -> C:
    """Construct a method dataclass, turning unknown options into an error that lists the known ones."""
    known = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise CondenseError(f"{cls.__name__}: unknown options {unknown}; known options: {known}")
    return cls(**options)


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
    out = condensed_set(train, train.frames[indices], train.labels[indices], method=method,
                        options=options, timings=timings, ipc=ipc, seed=seed)
    out.meta["indices"] = indices.tolist()
    return out


@dataclass(frozen=True)
class EmbedConfig:
    """The network that embeds samples for herding and k-center: briefly trained, then frozen.

    Why trained: a random network's features barely separate classes, so geometric selection
    on them is close to random; a few epochs give features with class structure.
    """

    model: str = "convnet"
    epochs: int = 3
    batch_size: int = 64
    lr: float = 1e-3


def embed(train: FrameSet, config: EmbedConfig, *, seed: int, device: Any = None, progress: bool = True) -> np.ndarray:
    """Train `config.model` on `train` briefly and return its penultimate spike rates [N, D].

    Features are the spikes entering the classifier, averaged over time steps.
    """
    from spikeslim.snn.models import build_model
    from spikeslim.train import TrainConfig, fit, resolve_device, to_input

    dev = resolve_device(device)
    torch.manual_seed(seed)
    model = build_model(config.model, in_shape=train.shape[1:], n_classes=train.n_classes)
    fit(model, train, TrainConfig(epochs=config.epochs, batch_size=config.batch_size, lr=config.lr, seed=seed),
        device=dev, progress=progress)
    model.eval()
    out = []
    with torch.no_grad():
        for lo in range(0, len(train), config.batch_size):
            _, feats = model(to_input(train.frames[lo:lo + config.batch_size]).to(dev), return_features=True)
            out.append(feats.float().mean(0).flatten(1).cpu().numpy())
    return np.concatenate(out)



@dataclass(frozen=True)
class EmbeddingSelect:
    """A coreset method that embeds the training set once, then applies `rule(features, k)` per class.

    `rule` returns `k` distinct row positions; herding and k-center are such rules.
    """

    method: str
    rule: Callable[[np.ndarray, int], np.ndarray]
    embed: EmbedConfig = EmbedConfig()

    def condense(self, train: FrameSet, ipc: int, *, seed: int, device: Any = None, progress: bool = True,
                 checkpoint: Path | None = None, resume: bool = False) -> FrameSet:
        check_ipc(train, ipc)  # fail before spending time on the embedding
        start = time.perf_counter()
        feats = embed(train, self.embed, seed=seed, device=device, progress=progress)
        timings = {"embed": time.perf_counter() - start}
        return select_per_class(train, ipc, lambda c, ix: self.rule(feats[ix], ipc), method=self.method,
                                options=asdict(self.embed), seed=seed, timings=timings)
