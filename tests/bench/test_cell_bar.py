"""cell_bar: one progress step per benchmark cell, the cell named in a log."""

import io

from spikeslim.bench.progress import cell_bar


def test_cell_bar_names_each_finished_cell():
    out = io.StringIO()
    assert list(cell_bar(["a", "b"], "cells", stream=out)) == ["a", "b"]
    assert "\r" not in out.getvalue() and "\x1b[" not in out.getvalue()
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and lines[1].startswith("cells: 2/2 cell") and lines[1].endswith("(b)")
    assert "ETA" in lines[0]
