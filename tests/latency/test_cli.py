"""The `latency` command end to end on the embedded digits-dvs, and `evaluate --T 1` on its student.

The digits-dvs events come from the test session's private cache (tests/conftest.py); the binned
frames go to a temporary folder.
"""

import json

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
    assert results["dataset"] == "digits-dvs" and [s["T"] for s in results["students"]] == [1, 2]

    assert main(["evaluate", str(out / "student_T2.pt"), "--T", "1", *flags]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["model"] == "qcfs" and metrics["trained_T"] == 2 and metrics["T"] == 1
    assert json.loads((out / "evaluate_T1.json").read_text()) == metrics
    assert torch.load(out / "teacher.pt", weights_only=True)["data"]["binning"] == "count"  # --binning reached the data
    assert len(metrics["per_step_accuracy"]) == 1 and metrics["n"] == 360


def test_latency_refuses_steps_beyond_the_teacher_frames(tmp_path, capsys):
    assert main(["latency", "--dataset", "digits-dvs", "--train-frames", "4", "--steps", "1,8",
                 "--out", str(tmp_path)]) == 2
    assert "--steps" in capsys.readouterr().err
