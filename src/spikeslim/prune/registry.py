"""The sampler registry: one line per method, naming the module that builds it.

Each module exposes a frozen `Options` dataclass and `build(train, keep, options, run) ->
Sampler` (the scheme of `spikeslim.train.plugins`), so a new method is one file plus one line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spikeslim.datasets.base import FrameSet
from spikeslim.errors import InvalidConfigError
from spikeslim.prune.base import check_keep
from spikeslim.train.hooks import Sampler
from spikeslim.train.plugins import Registry, RunContext

METHODS = Registry("pruning method", {
    "sadp": "spikeslim.prune.sadp",
    "random": "spikeslim.prune.uniform",
    "el2n": "spikeslim.prune.el2n",
    "grand": "spikeslim.prune.grand",
    "forgetting": "spikeslim.prune.forgetting",
    "infobatch": "spikeslim.prune.infobatch",
})


def names() -> list[str]:
    return METHODS.names()


def build_sampler(
    name: str, train: FrameSet, *, keep: float, options: Mapping[str, Any] | None = None, run: RunContext
) -> Sampler:
    """The sampler `name` over `train`, keeping a `keep` fraction of the full-data work.

    `options` are the method's own (unknown or ill-typed ones raise InvalidConfigError naming
    them); `run` carries the seed, device and progress setting, and for static scorers the run's
    recipe and network their proxy runs train (dynamic samplers read its loss).
    """
    if len(train) < 1:
        raise InvalidConfigError("cannot prune an empty training set")
    return METHODS.build(name, train, check_keep(keep), options or {}, run)


@dataclass(frozen=True)
class Pruning:
    """`--prune NAME --keep F --option K=V`: the `train.hooks.SamplerFactory` that `train_run`
    builds its sampler with; name, keep and options are checked when made, before data loads."""

    name: str
    keep: float = 1.0
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_keep(self.keep)
        METHODS.options(self.name, self.options)
        object.__setattr__(self, "options", dict(self.options))  # a caller's later edits cannot reach it

    def __call__(self, train: FrameSet, run: RunContext) -> Sampler:
        return build_sampler(self.name, train, keep=self.keep, options=self.options, run=run)
