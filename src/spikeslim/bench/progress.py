"""Progress over a benchmark's cells: a tqdm bar on a terminal, one plain line per cell otherwise.

Logs of long runs (nohup, CI, `> log`) get lines a person can read, with rate and ETA, instead
of the escape codes of a redrawn bar.
"""

from __future__ import annotations

import sys
import time
from typing import Iterable, Iterator, TypeVar

from tqdm import tqdm

T = TypeVar("T")


def cell_bar(items: Iterable[T], desc: str, *, stream=None) -> Iterator[T]:
    """Iterate over `items`, showing progress on `stream` (default stderr)."""
    stream = sys.stderr if stream is None else stream
    todo = list(items)
    if stream.isatty():
        yield from tqdm(todo, desc=desc, unit="cell", file=stream)
        return
    start = time.perf_counter()
    for i, item in enumerate(todo):
        yield item
        done = i + 1
        elapsed = time.perf_counter() - start
        eta = elapsed / done * (len(todo) - done)
        print(f"{desc}: {done}/{len(todo)} done, {elapsed / done:.1f} s/cell, ETA {eta / 60:.1f} min: {item}",
              file=stream, flush=True)
