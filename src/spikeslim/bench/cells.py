"""The one resumable cell store every benchmark uses: a JSON file of finished cells, keyed.

A benchmark is a grid of cells (dataset, fold, method, IPC, seed, ...). Each finished cell is
written at once, atomically, so an interrupted run (or one split across sessions) resumes at the
first missing cell; committed cell files are the benchmark's raw results. Several processes may
share one store (say, two cores working through a grid from both ends): `put` merges under a
lock with what the others wrote, and `refresh` picks up their cells before choosing the next.
"""

from __future__ import annotations

import fcntl
import json
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from spikeslim.bench.progress import cell_bar
from spikeslim.errors import SpikeslimError
from spikeslim.files import write_json


def cell_key(fields: Mapping[str, Any]) -> str:
    """A canonical string for a cell's coordinates (order of fields does not matter)."""
    return json.dumps(dict(fields), sort_keys=True, separators=(",", ":"))


class CellStore:
    """Finished cells of one benchmark in `path`; `put` rewrites the file atomically."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._cells: dict[str, dict[str, Any]] = {}
        self.refresh()

    def refresh(self) -> None:
        """Re-read the file: cells other processes finished meanwhile."""
        if self.path.exists():
            try:
                cells = json.loads(self.path.read_text())["cells"]
                self._cells.update({cell_key(c["key"]): c for c in cells})
            except (ValueError, KeyError, TypeError) as exc:
                raise SpikeslimError(f"{self.path}: not a cell store ({exc}); move it away to start afresh") from None

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.parent / f".{self.path.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def __contains__(self, key: Mapping[str, Any]) -> bool:
        return cell_key(key) in self._cells

    def __len__(self) -> int:
        return len(self._cells)

    def get(self, key: Mapping[str, Any]) -> dict[str, Any] | None:
        return self._cells.get(cell_key(key))

    def put(self, key: Mapping[str, Any], result: Mapping[str, Any]) -> None:
        with self._locked():
            self.refresh()
            self._cells[cell_key(key)] = {"key": dict(key), **dict(result)}
            write_json(self.path, {"cells": list(self._cells.values())})

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(list(self._cells.values()))

    def select(self, **fields: Any) -> list[dict[str, Any]]:
        """Cells whose key matches every given field."""
        return [c for c in self._cells.values() if all(c["key"].get(k) == v for k, v in fields.items())]


def run_cells(store: CellStore, plan: Sequence[Mapping[str, Any]], compute: Callable[[Mapping[str, Any]], Mapping[str, Any]],
              *, desc: str, max_minutes: float | None = None, reverse: bool = False,
              after: Callable[[], None] | None = None) -> int:
    """Compute every cell of `plan` not yet in `store` (in reverse with `reverse`), saving each at
    once and calling `after` (a report) after each; stop starting cells after `max_minutes`.

    Before each cell the store is re-read, so processes sharing it never compute a cell twice.
    Returns how many cells this call computed.
    """
    todo = [k for k in plan if k not in store]
    start, done = time.perf_counter(), 0
    for key in cell_bar(todo[::-1] if reverse else todo, desc):
        if max_minutes is not None and time.perf_counter() - start > 60 * max_minutes:
            print("--max-minutes reached; rerun to continue")
            break
        store.refresh()
        if key in store:
            continue
        store.put(key, compute(key))
        done += 1
        if after is not None:
            after()
    return done
