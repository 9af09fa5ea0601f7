import numpy as np

from spikeslim.bench.cells import CellStore
from spikeslim.bench.summary import complete_runs, condense_rows, correct_string, reported, time_to_accuracy

FOLDS = [f"fold{f}" for f in range(5)]


def fill(store, method, ipc, seed, acc, rng, splits=FOLDS, n=200):
    for split in splits:
        correct = "".join("1" if v else "0" for v in rng.random(n) < acc)
        store.put({"dataset": "digits-dvs", "split": split, "method": method, "ipc": ipc, "seed": seed, "net": 0},
                  {"correct": correct, "accuracy": correct.count("1") / n, "train_seconds": 10.0 if ipc != "all" else 100.0,
                   "condense_seconds": 1.0, "set_file_bytes": 1000})


def test_rows_pair_complete_runs_and_mark_significant_differences(tmp_path):
    rng = np.random.default_rng(0)
    store = CellStore(tmp_path / "cells.json")
    fill(store, "full data", "all", 0, 0.95, rng)
    for seed in (0, 1):
        fill(store, "pace", 10, seed, 0.90, rng)
        fill(store, "random", 10, seed, 0.80, rng)
    fill(store, "random", 10, 2, 0.80, rng, splits=FOLDS[:3])  # incomplete: not a run
    runs = complete_runs(store, "digits-dvs")
    assert set(runs[("random", 10)]) == {(0, 0), (1, 0)}
    assert len(runs[("pace", 10)][(0, 0)]["correct"]) == 1000
    rows = {(r["method"], r["IPC"]): r for r in condense_rows(store, ["digits-dvs"], full="full data", proposed="pace")}
    assert rows[("random", 10)]["runs"] == 2
    low = rows[("random", 10)]["ci"][1]
    assert low > 0.05 and rows[("random", 10)]["pace − method (points)"].endswith("*")
    assert rows[("pace", 10)]["of full data"] in ("94%", "95%", "96%")
    assert time_to_accuracy(tmp_path / "t.png", "digits-dvs", condense=store).stat().st_size > 0
    prune = CellStore(tmp_path / "prune.json")
    for split in FOLDS:
        prune.put({"dataset": "digits-dvs", "split": split, "method": "sadp", "keep": 0.5, "seed": 0},
                  {"correct": "1" * 150 + "0" * 50, "train_s": 5.0, "score_s": 0.0})
    assert time_to_accuracy(tmp_path / "t2.png", "digits-dvs", condense=store, prune=prune).stat().st_size > 0


def test_no_complete_run_gives_no_rows_and_no_plot(tmp_path):
    store = CellStore(tmp_path / "cells.json")
    fill(store, "full data", "all", 0, 0.9, np.random.default_rng(0), splits=FOLDS[:1])
    assert condense_rows(store, ["digits-dvs"], full="full data", proposed="pace") == []
    assert time_to_accuracy(tmp_path / "t.png", "digits-dvs", condense=store) is None


def test_correct_string_marks_each_test_sample_in_order():
    assert correct_string([0, 2, 1, 1], [0, 1, 1, 2]) == "1010"


def test_reported_lists_every_dataset_in_the_store_in_protocol_order(tmp_path):
    store = CellStore(tmp_path / "cells.json")
    assert reported(store) == []
    for name in ("motion-dvs", "nmnist-small"):
        store.put({"dataset": name, "split": "test", "method": "random", "ipc": 1, "seed": 0, "net": 0}, {"correct": "1"})
    assert reported(store) == ["nmnist-small", "motion-dvs"]


def test_rows_carry_a_column_per_extra_proposed_method(tmp_path):
    rng = np.random.default_rng(1)
    store = CellStore(tmp_path / "cells.json")
    for method, acc in (("pace", 0.70), ("pace-tuned", 0.90), ("random", 0.80)):
        fill(store, method, 10, 0, acc, rng)
    rows = {r["method"]: r for r in condense_rows(store, ["digits-dvs"], full="full data", proposed="pace",
                                                   also=("pace-tuned",))}
    assert rows["random"]["pace-tuned − method (points)"].startswith("+") and rows["random"]["pace-tuned − method (points)"].endswith("*")
    assert rows["random"]["pace − method (points)"].startswith("-") and rows["random"]["ci"][1] < 0
    assert rows["pace-tuned"]["pace-tuned − method (points)"] == ""


def test_rows_name_the_run_of_each_accuracy(tmp_path):
    rng = np.random.default_rng(1)
    store = CellStore(tmp_path / "cells.json")
    fill(store, "random", 10, 0, 0.9, rng)
    fill(store, "random", 10, 1, 0.3, rng)
    row = condense_rows(store, ["digits-dvs"], full="full data", proposed="pace")[0]
    by_run = dict(zip(map(tuple, row["run ids"]), row["accuracies"]))
    assert set(by_run) == {(0, 0), (1, 0)}
    assert by_run[(0, 0)] > 0.8 > 0.4 > by_run[(1, 0)]
