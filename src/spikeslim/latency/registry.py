"""The low-latency method registry: one line per method, naming the module that trains with it.

Each module exposes a frozen `Options` dataclass and `build(train, steps, options, run, *,
test=None) -> LatencyResult` (the scheme of `spikeslim.train.plugins`): `train` holds F frames
per sample and the budget is the inference step counts T, as `keep` is pruning's and `ipc`
condensation's. `test` is the one addition, because what it measures cannot be measured after
`build` returns: `fit` tests each epoch (its progress line and checkpoint history), and HSD's
converted student exists only until it is fine-tuned. The networks come back as modules, each
with its `results.json` row, so a caller can score them further (the benchmark, per sample).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from spikeslim.datasets.base import FrameSet
from spikeslim.latency.base import LatencyResult, check_steps
from spikeslim.train.plugins import Registry, RunContext

METHODS = Registry("latency method", {
    "direct": "spikeslim.latency.direct",
    "tet": "spikeslim.latency.tet",
    "hsd": "spikeslim.latency.hsd",
})


def train_for_steps(
    name: str, train: FrameSet, steps: Sequence[int], *, test: FrameSet | None = None,
    options: Mapping[str, Any] | None = None, run: RunContext,
) -> LatencyResult:
    """One network per T in `steps` by method `name`, from `train`'s F frames summed into T.

    `options` are the method's own (unknown or ill-typed ones raise InvalidConfigError naming
    them); `run` carries the seed, device, progress, the recipe (`config`) and the folder the
    networks checkpoint in (`checkpoint`, continued from with `resume`). Rows hold test metrics
    only when `test` (at F frames, like `train`) is given.
    """
    parsed = METHODS.options(name, options or {})
    return METHODS.module(name).build(train, check_steps(steps, train.T), parsed, run, test=test)
