"""The dataset registry: one line per dataset, naming the module whose `SPEC` describes it.

Modules are imported on first use so that listing datasets stays fast and a dataset whose optional
dependencies are absent cannot break the others.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from spikeslim.datasets.base import SPLITS, DatasetSpec, EventSplit
from spikeslim.errors import UnknownNameError

_MODULES: dict[str, str] = {
    "digits-dvs": "spikeslim.datasets.digits_dvs",
    "motion-dvs": "spikeslim.datasets.motion_dvs",
    "nmnist": "spikeslim.datasets.nmnist",
    "dvsgesture": "spikeslim.datasets.dvsgesture",
    "cifar10dvs": "spikeslim.datasets.cifar10dvs",
}


def names() -> list[str]:
    return list(_MODULES)


def get_spec(name: str) -> DatasetSpec:
    if name not in _MODULES:
        raise UnknownNameError(f"unknown dataset {name!r}; known datasets: {', '.join(_MODULES)}")
    return importlib.import_module(_MODULES[name]).SPEC


def open_split(name: str, split: str, data_dir: str | Path | None = None) -> EventSplit:
    """Open one split of a dataset as (events, label) pairs; raises DatasetMissingError if absent."""
    if split not in SPLITS:
        raise UnknownNameError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    return get_spec(name).open(split, Path(data_dir) if data_dir is not None else None)
