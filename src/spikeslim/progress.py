"""Progress that suits where it goes: a tqdm bar on a terminal, plain log lines anywhere else.

A redrawn bar is escape codes and carriage returns; in a log (CI, `make demo > log`, nohup) it
becomes one unreadable run of half-drawn bars. Off a terminal every bar here prints whole lines
instead, each with its count, rate and ETA, so the log reads top to bottom. Every progress
display in spikeslim goes through `progress_bar`.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Iterable, Iterator, TextIO, Union

from tqdm import tqdm

#: seconds between two plain lines of one bar (a line per update with `interval=0`)
INTERVAL_S = 30.0


def progress_bar(iterable: Iterable[Any] | None = None, *, total: int | None = None, desc: str = "",
                 unit: str = "it", initial: int = 0, disable: bool = False, leave: bool = True,
                 interval: float = INTERVAL_S, stream: TextIO | None = None) -> ProgressBar:
    """A progress bar over `iterable`, or up to `total` by `update(n)`, on `stream` (default stderr).

    Takes tqdm's arguments and answers tqdm's calls (iteration, `update`, `set_postfix`,
    `set_postfix_str`, `close`, `with`). Off a terminal it prints a line once `interval` seconds
    have passed since its last one and, when closed with progress not yet shown, a closing line;
    a bar with `leave=False` (its caller reports the outcome, e.g. one line per epoch) prints no
    closing line, as on a terminal it leaves nothing behind.
    """
    stream = sys.stderr if stream is None else stream
    if disable or _is_terminal(stream):
        return tqdm(iterable, total=total, desc=desc, unit=unit, initial=initial, disable=disable, leave=leave,
                    file=stream, dynamic_ncols=True)
    return PlainBar(iterable, total=total, desc=desc, unit=unit, initial=initial, leave=leave, interval=interval,
                    stream=stream)


def _number(x: float) -> str:
    return f"{x:.0f}" if x >= 100 else f"{x:.3g}"


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class PlainBar:
    """tqdm's calls, answered with whole lines: `desc: n/total unit, rate, ETA, postfix`."""

    def __init__(self, iterable: Iterable[Any] | None, *, total: int | None, desc: str, unit: str, initial: int,
                 leave: bool, interval: float, stream: TextIO) -> None:
        if total is None and hasattr(iterable, "__len__"):
            total = len(iterable)  # type: ignore[arg-type]
        self.iterable, self.total, self.desc, self.unit = iterable, total, desc, unit
        self.n = self._first = self._shown = initial
        self.leave, self.interval, self.stream = leave, interval, stream
        self._start = self._last = time.perf_counter()
        self._postfix = ""
        self._closed = False

    def __iter__(self) -> Iterator[Any]:
        try:
            for item in self.iterable or ():
                yield item
                self.update()
        finally:
            self.close()

    def __enter__(self) -> "PlainBar":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.perf_counter()
        if now - self._last >= self.interval:
            self._last = now
            self._print(self._progress(now))

    def set_postfix(self, ordered_dict: dict[str, Any] | None = None, refresh: bool = True, **kwargs: Any) -> None:
        self._postfix = ", ".join(f"{k}={v}" for k, v in {**(ordered_dict or {}), **kwargs}.items())

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self._postfix = s

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.leave and self.n != self._shown:
            elapsed = time.perf_counter() - self._start
            self._print(f"{self._count()} in {tqdm.format_interval(elapsed)}, {self._rate(elapsed)}")

    def _progress(self, now: float) -> str:
        elapsed = now - self._start
        text = f"{self._count()}, {self._rate(elapsed)}"
        done = self.n - self._first
        if self.total is not None and done > 0:
            text += f", ETA {tqdm.format_interval(elapsed / done * max(self.total - self.n, 0))}"
        return text

    def _count(self) -> str:
        return f"{self.n}/{self.total} {self.unit}" if self.total is not None else f"{self.n} {self.unit}"

    def _rate(self, elapsed: float) -> str:
        done = self.n - self._first
        if done <= 0 or elapsed <= 0:
            return f"? {self.unit}/s"
        per_s = done / elapsed
        return f"{_number(per_s)} {self.unit}/s" if per_s >= 1 else f"{_number(1 / per_s)} s/{self.unit}"

    def _print(self, text: str) -> None:
        self._shown = self.n
        postfix = f" ({self._postfix})" if self._postfix else ""
        print(f"{self.desc}: {text}{postfix}" if self.desc else f"{text}{postfix}", file=self.stream, flush=True)


#: what `progress_bar` returns: tqdm's bar on a terminal, a `PlainBar` elsewhere
ProgressBar = Union[tqdm, PlainBar]
