"""`spikeslim --help`: every command once, in the order of the work, each described on one line."""

import re

import pytest

from spikeslim.cli import main

ORDER = ["demo", "datasets", "show", "train", "evaluate", "distill", "evaluate-set", "latency", "export-events",
         "export-nir"]


def test_help_lists_the_commands_in_workflow_order_one_line_each(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    block = text[text.index("  COMMAND\n") + len("  COMMAND\n"):text.index("\noptions:")]
    lines = block.splitlines()
    assert [line.split()[0] for line in lines] == ORDER, block  # no help wrapped onto a line of its own
    assert all(re.match(r"    \S+ +\w", line) and len(line) <= 78 for line in lines), block
