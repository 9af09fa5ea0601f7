"""Progress over a benchmark's cells, each finished cell named (see `spikeslim.progress`)."""

from __future__ import annotations

from typing import Iterable, Iterator, TextIO, TypeVar

from spikeslim.progress import progress_bar

T = TypeVar("T")


def cell_bar(items: Iterable[T], desc: str, *, stream: TextIO | None = None) -> Iterator[T]:
    """Iterate over `items`; after each, one progress step (in a log: one line naming the cell)."""
    todo = list(items)
    with progress_bar(total=len(todo), desc=desc, unit="cell", interval=0, stream=stream) as cells:
        for item in todo:
            yield item
            cells.set_postfix_str(str(item))
            cells.update()
