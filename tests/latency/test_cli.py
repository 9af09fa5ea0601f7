"""The `latency` command end to end on the embedded digits-dvs, and `evaluate --T 1` on its student.

The digits-dvs events come from the test session's private cache (tests/conftest.py); the binned
frames go to a temporary folder.
"""

import json
import re

import pytest
import torch

from spikeslim.cli import main


def test_latency_trains_students_on_count_bins_that_evaluate_at_one_step(tmp_path, capsys):
    out, flags = tmp_path / "hsd", ["--cache-dir", str(tmp_path / "frames"), "--device", "cpu"]
    assert main(["latency", "--dataset", "digits-dvs", "--train-frames", "4", "--steps", "1,2", "--channels", "4,8",
                 "--epochs", "1", "--student-epochs", "1", "--downsample", "2", "--binning", "count", "--out", str(out),
                 *flags]) == 0
    printed = capsys.readouterr().out
    assert "student_T1.pt" in printed and "student_T2.pt" in printed
    results = json.loads((out / "results.json").read_text())
    assert results["dataset"] == "digits-dvs" and results["method"] == "hsd"
    assert [s["T"] for s in results["networks"]] == [1, 2] and results["options"]["channels"] == [4, 8]

    assert main(["evaluate", str(out / "student_T2.pt"), "--T", "1", *flags]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["model"] == "qcfs" and metrics["trained_T"] == 2 and metrics["T"] == 1
    assert json.loads((out / "evaluate_T1.json").read_text()) == metrics
    assert torch.load(out / "teacher.pt", weights_only=True)["data"]["binning"] == "count"  # --binning reached the data
    assert len(metrics["per_step_accuracy"]) == 1 and metrics["n"] == 360


def test_latency_trains_direct_networks_with_options(tmp_path, capsys):
    out = tmp_path / "direct"
    assert main(["latency", "--dataset", "digits-dvs", "--method", "direct", "--train-frames", "2", "--steps", "1",
                 "--channels", "4,8", "--option", "bound=1.5", "--epochs", "1", "--downsample", "2", "--out", str(out),
                 "--cache-dir", str(tmp_path / "frames"), "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    assert "teacher" not in printed and "direct_T1.pt" in printed
    results = json.loads((out / "results.json").read_text())
    assert results["method"] == "direct" and "teacher" not in results and results["config"]["epochs"] == 1
    assert results["options"] == {"channels": [4, 8], "bound": 1.5}
    assert torch.load(out / "direct_T1.pt", weights_only=True)["model_kwargs"]["bound"] == 1.5
    assert sorted(p.name for p in out.iterdir()) == ["direct_T1.pt", "results.json"]


@pytest.mark.parametrize("flags, message", [
    (["--steps", "1,8"], r"--steps \[1, 8\]: each must lie in 1\.\.4"),
    (["--method", "fast"], "unknown latency method 'fast'; known methods: direct, tet, hsd"),
    (["--method", "direct", "--alpha", "0.5"], "direct: unknown option alpha; known: bound, channels"),
    (["--option", "fold_bn"], "--option 'fold_bn': expected KEY=VALUE"),
    (["--option", "alpha=high"], "hsd: option alpha='high' must be a finite number"),
    (["--option", "teacher=cnn"], "hsd: teacher 'cnn' is not one of ann, snn"),
    (["--teacher", "cnn"], "hsd: teacher 'cnn' is not one of ann, snn"),  # the one list: hsd.TEACHER_KINDS
])
def test_bad_steps_methods_and_options_are_one_line_before_the_data_loads(tmp_path, capsys, flags, message):
    assert main(["latency", "--dataset", "digits-dvs", "--train-frames", "4", *flags, "--out", str(tmp_path),
                 "--cache-dir", str(tmp_path / "frames")]) == 2
    err = capsys.readouterr().err
    assert re.match(f"spikeslim: error: {message}", err) and err.count("\n") == 1, err
    assert not list(tmp_path.iterdir())  # nothing was loaded or written
