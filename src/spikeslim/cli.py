"""The spikeslim command line. Each command parses its flags and calls one package function."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from spikeslim import __version__
from spikeslim.errors import SpikeslimError

Adder = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _add_common_data(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", default=None, help="folder holding real datasets in their native layout")
    p.add_argument("--cache-dir", default=None, help="frame cache folder (default ~/.cache/spikeslim)")


def _add_device(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda where present)")


COMMANDS: list[Adder] = []


def command(add: Adder) -> Adder:
    """Register a function that adds one sub-command (with `run` set as its default)."""
    COMMANDS.append(add)
    return add


# --- commands: one section each, added above the end marker -----------------------------------

# --- end of commands ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spikeslim",
        description="Fast SNN training on event data: distil, prune and shorten it.",
    )
    parser.add_argument("--version", action="version", version=f"spikeslim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except SpikeslimError as err:
        print(f"spikeslim: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nspikeslim: interrupted; long runs resume from their checkpoint with --resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
