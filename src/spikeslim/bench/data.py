"""The one data locator of the benchmarks: a benchmark dataset name -> registered dataset + folder.

`nmnist-small` is the registered `nmnist` read from the real 1,100-recording subset, found in
`$SPIKESLIM_NMNIST_SMALL` or at `../shared/data/nmnist-small` beside the checkout; the embedded
datasets need no folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from spikeslim.errors import DatasetMissingError, UnknownNameError

EMBEDDED = ("digits-dvs", "motion-dvs")
NAMES = ("nmnist-small", *EMBEDDED)
_REPO = Path(__file__).resolve().parents[3]


class Located(NamedTuple):
    name: str  # the benchmark's name for it
    dataset: str  # the registered dataset
    data_dir: Path | None


def nmnist_small_dir(given: str | os.PathLike[str] | None = None) -> Path | None:
    """The nmnist-small folder (`given`, else the env var, else beside the checkout), or None
    when it holds no Train/."""
    env = os.environ.get("SPIKESLIM_NMNIST_SMALL")
    path = Path(given or env or _REPO / ".." / "shared" / "data" / "nmnist-small")
    return path.resolve() if (path / "Train").is_dir() else None


def locate(name: str) -> Located:
    """Where a benchmark dataset lives; DatasetMissingError for nmnist-small when it is absent."""
    if name in EMBEDDED:
        return Located(name, name, None)
    if name == "nmnist-small":
        folder = nmnist_small_dir()
        if folder is None:
            raise DatasetMissingError("nmnist-small not found: set SPIKESLIM_NMNIST_SMALL to its folder "
                                      "(the one holding Train/, Test/ and folds.csv)")
        return Located(name, "nmnist", folder)
    raise UnknownNameError(f"unknown benchmark dataset {name!r}; known: {', '.join(NAMES)}")


def available(names: tuple[str, ...] | list[str] = NAMES) -> list[Located]:
    """The named datasets that are present (nmnist-small may be absent), in order."""
    found = []
    for name in names:
        try:
            found.append(locate(name))
        except DatasetMissingError as exc:
            print(f"skipping {name}: {exc}")
    return found
