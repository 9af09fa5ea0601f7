"""The condenser registry: one line per method, naming the module that condenses with it.

Each module exposes a frozen `Options` dataclass and `build(train, ipc, options, run) ->
FrameSet` (the scheme of `spikeslim.train.plugins`), so a new method is one file plus one line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spikeslim.datasets.base import FrameSet
from spikeslim.train.plugins import Registry, RunContext

METHODS = Registry("condense method", {
    "pace": "spikeslim.condense.pace.method",
    "dm": "spikeslim.condense.dm",
    "dc": "spikeslim.condense.dc",
    "idm": "spikeslim.condense.idm",
    "random": "spikeslim.condense.random_select",
    "herding": "spikeslim.condense.herding",
    "kcenter": "spikeslim.condense.kcenter",
    "forgetting": "spikeslim.condense.forgetting",
})


def condense_set(
    name: str, train: FrameSet, ipc: int, *, options: Mapping[str, Any] | None = None, run: RunContext
) -> FrameSet:
    """`train` condensed by method `name` to `ipc` samples per class.

    The result's frames are unsigned integer counts [ipc*C, T, 2, H, W] in class-major order
    (all samples of class 0, then class 1, ...), labels int64, and `meta` holds at least
    `method`, `options` (every hyper-parameter used) and `timings` (seconds per phase).
    `options` are the method's own (unknown or ill-typed ones raise InvalidConfigError naming
    them); `run` carries the seed, device, progress and the checkpoint folder to resume from.
    """
    return METHODS.build(name, train, ipc, options or {}, run)
