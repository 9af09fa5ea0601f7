"""Flag types for the command line: each value is checked while parsing, so a bad one ends in one
line naming the flag and the range it allows, before any data is read or any network built."""

from __future__ import annotations

import argparse
import math
from typing import Callable


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (the usage is one `--help` away)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class CommandsFormatter(argparse.HelpFormatter):
    """argparse sizes the help column without the indent of sub-command names, so a long name
    pushes its help to a second line; this counts the indent, one line per command."""

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        names = [self._format_action_invocation(a) for a in getattr(action, "_get_subactions", list)()]
        if names and action.help is not argparse.SUPPRESS:
            width = max(map(len, names)) + self._current_indent + self._indent_increment
            self._action_max_length = max(self._action_max_length, width)


def _integer(minimum: int, allowed: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {value}")
        return value

    parse.__name__ = allowed  # what argparse names in its own messages
    return parse


def _real(ok: Callable[[float], bool], allowed: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {text!r}") from None
        if not (math.isfinite(value) and ok(value)):
            raise argparse.ArgumentTypeError(f"must be {allowed}, got {text}")
        return value

    parse.__name__ = allowed
    return parse


positive_int = _integer(1, "a positive integer")
natural_int = _integer(0, "an integer >= 0")
positive_float = _real(lambda v: v > 0, "a finite number > 0")
natural_float = _real(lambda v: v >= 0, "a finite number >= 0")
unit_float = _real(lambda v: 0 <= v <= 1, "a number in [0, 1]")
fraction = _real(lambda v: 0 < v <= 1, "a fraction in (0, 1]")


def positive_ints(text: str) -> tuple[int, ...]:
    """A comma-separated list of positive integers, e.g. `1,2,4`."""
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be comma-separated positive integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"must be comma-separated positive integers, got {text!r}")
    return values
