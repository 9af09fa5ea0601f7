import pytest

from spikeslim.bench.cells import CellStore
from spikeslim.errors import SpikeslimError


def test_cells_survive_a_restart_and_match_by_key(tmp_path):
    store = CellStore(tmp_path / "cells.json")
    store.put({"dataset": "d", "seed": 0}, {"accuracy": 0.5})
    store.put({"seed": 1, "dataset": "d"}, {"accuracy": 0.7})
    again = CellStore(tmp_path / "cells.json")
    assert len(again) == 2
    assert {"seed": 0, "dataset": "d"} in again  # field order does not matter
    assert again.get({"dataset": "d", "seed": 1})["accuracy"] == 0.7
    assert [c["accuracy"] for c in again.select(seed=1)] == [0.7]
    assert {"dataset": "d", "seed": 2} not in again


def test_putting_a_key_again_replaces_the_cell(tmp_path):
    store = CellStore(tmp_path / "cells.json")
    store.put({"a": 1}, {"v": 1})
    store.put({"a": 1}, {"v": 2})
    assert len(CellStore(tmp_path / "cells.json")) == 1 and store.get({"a": 1})["v"] == 2


def test_a_file_that_is_not_a_cell_store_is_refused_by_name(tmp_path):
    path = tmp_path / "cells.json"
    path.write_text('{"cells": {"old": 1}}')
    with pytest.raises(SpikeslimError, match="cells.json"):
        CellStore(path)


def test_two_stores_on_one_file_keep_each_others_cells(tmp_path):
    a, b = CellStore(tmp_path / "cells.json"), CellStore(tmp_path / "cells.json")
    a.put({"i": 1}, {"v": 1})
    b.put({"i": 2}, {"v": 2})  # b had not seen a's cell: put merges instead of overwriting
    assert {"i": 2} not in a
    a.refresh()
    assert {"i": 2} in a and len(CellStore(tmp_path / "cells.json")) == 2


def test_run_cells_computes_only_missing_cells_and_reports_after_each(tmp_path):
    from spikeslim.bench.cells import run_cells

    store = CellStore(tmp_path / "cells.json")
    store.put({"i": 0}, {"v": 0})
    seen, reports = [], []

    def compute(key):
        seen.append(key["i"])
        return {"v": key["i"] * 10}

    plan = [{"i": i} for i in range(4)]
    assert run_cells(store, plan, compute, desc="t", reverse=True, after=lambda: reports.append(len(store))) == 3
    assert seen == [3, 2, 1] and reports == [2, 3, 4]
    assert run_cells(CellStore(tmp_path / "cells.json"), plan, compute, desc="t") == 0  # resumed: nothing left
    assert run_cells(CellStore(tmp_path / "other.json"), plan, compute, desc="t", max_minutes=0) == 0  # only reports
