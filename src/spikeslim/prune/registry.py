"""The sampler registry: one line per method, naming the module whose `build` constructs it.

Modules are imported on first use, so a new method is one new file plus one line here.
Every `build(train, *, keep, seed, model_factory, config, **options)` returns a `Sampler`.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from typing import Any, Callable

import torch

from spikeslim.datasets.base import FrameSet
from spikeslim.errors import InvalidConfigError, UnknownNameError
from spikeslim.prune.base import check_keep
from spikeslim.train.hooks import Sampler

_MODULES: dict[str, str] = {
    "sadp": "spikeslim.prune.sadp",
    "random": "spikeslim.prune.uniform",
    "el2n": "spikeslim.prune.el2n",
    "grand": "spikeslim.prune.grand",
    "forgetting": "spikeslim.prune.forgetting",
    "infobatch": "spikeslim.prune.infobatch",
}
_COMMON = ("train", "keep", "seed", "model_factory", "config")


def names() -> list[str]:
    return list(_MODULES)


def build_sampler(
    name: str,
    train: FrameSet,
    *,
    keep: float,
    seed: int,
    model_factory: Callable[[], torch.nn.Module] | None = None,
    config: Any = None,
    **options: Any,
) -> Sampler:
    """Build the sampler `name` over `train`.

    `model_factory` (a fresh, untrained model per call) and `config` (the run's TrainConfig) let
    static scorers train a short proxy run; dynamic samplers use `config` only to match the loss.
    Unknown `options` raise InvalidConfigError naming them.
    """
    if name not in _MODULES:
        raise UnknownNameError(f"unknown pruning method {name!r}; known methods: {', '.join(_MODULES)}")
    if len(train) < 1:
        raise InvalidConfigError("cannot prune an empty training set")
    build = importlib.import_module(_MODULES[name]).build
    accepted = [p for p in inspect.signature(build).parameters if p not in _COMMON]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise InvalidConfigError(
            f"pruning method {name!r} has no option {', '.join(unknown)}; its options: {', '.join(accepted) or 'none'}"
        )
    return build(train, keep=check_keep(keep), seed=seed, model_factory=model_factory, config=config, **options)


@dataclass(frozen=True)
class Pruning:
    """`--prune NAME --keep F`: the `train.hooks.SamplerFactory` that `train_run` builds its sampler with."""

    name: str
    keep: float = 1.0

    def __call__(self, train: FrameSet, *, seed: int, model_factory: Callable[[], torch.nn.Module],
                 config: Any) -> Sampler:
        return build_sampler(self.name, train, keep=self.keep, seed=seed, model_factory=model_factory, config=config)
