import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.errors import CheckpointError, DivergedError, InvalidConfigError
from spikeslim.files import write_torch
from spikeslim.latency import pipeline
from spikeslim.snn.models.qcfs import QCFSNet
from spikeslim.latency.pipeline import HSDConfig, run_hsd, train_student
from spikeslim.latency.skd import SKDHook, teacher_logits
from spikeslim.train import TrainConfig, checkpoint


def _frames(n: int, seed: int) -> FrameSet:
    """Two classes of event frames: events fall in the left or the right half of an 8x8 sensor."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    rate = np.full((n, 4, 2, 8, 8), 0.1)
    for i, y in enumerate(labels):
        rate[i, :, :, :, 4 * y : 4 * y + 4] = 1.5
    return FrameSet(rng.poisson(rate).astype(np.uint16), labels.astype(np.int64), 2, FrameSpec("toy", 4))


CONFIG = HSDConfig(
    train_frames=4, steps=(1, 2), channels=(4, 8),
    teacher=TrainConfig(epochs=2, batch_size=8, lr=1e-2), student=TrainConfig(epochs=3, batch_size=8, lr=1e-3),
)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("hsd")
    return out, run_hsd(_frames(32, 0), _frames(16, 1), CONFIG, out_dir=out, device="cpu", progress=False)


def test_teacher_and_one_student_per_T_with_results_file(run):
    out, summary = run
    assert json.loads((out / "results.json").read_text())["students"] == json.loads(json.dumps(summary["students"]))
    assert [s["T"] for s in summary["students"]] == [1, 2]
    for s in summary["students"]:
        assert 0.0 <= s["converted_accuracy"] <= 1.0 and 0.0 <= s["hsd_accuracy"] <= 1.0
        assert len(s["per_step_accuracy"]) == s["T"]
        assert (out / f"student_T{s['T']}.pt").is_file()
    assert summary["teacher"]["accuracy"] > 0.9  # the halves are easy to tell apart


def test_students_reload_as_registered_models_at_any_T(run):
    from spikeslim.train import evaluate, load_model

    out, summary = run
    model, ckpt = load_model(out / "student_T2.pt")
    assert ckpt["model"] == "qcfs" and ckpt["data"]["T"] == 2
    assert ckpt["train_state"]["loss"].startswith("skd(alpha=1.0, tau=2.0, targets=")
    test = _frames(16, 1)
    assert evaluate(model, test, T=2)["accuracy"] == pytest.approx(summary["students"][1]["hsd_accuracy"])
    assert len(evaluate(model, test, T=1)["per_step_accuracy"]) == 1


def test_skd_training_loss_falls(run):
    out, _ = run
    history = torch.load(out / "student_T1.pt", weights_only=True)["train_state"]["history"]
    assert len(history) == 3 and history[-1]["loss"] < history[0]["loss"]


def test_a_run_interrupted_mid_student_resumes_to_the_uninterrupted_result(run, tmp_path, monkeypatch):
    out, summary = run
    saves, stop_after = [], 2

    def write(path, obj):  # Ctrl-C right after the T=1 student's second epoch (of 3) is saved
        write_torch(path, obj)
        saves.append(Path(path).name)
        if saves.count("student_T1.pt") == stop_after:
            raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint, "write_torch", write)
    with pytest.raises(KeyboardInterrupt):
        run_hsd(_frames(32, 0), _frames(16, 1), CONFIG, out_dir=tmp_path, device="cpu", progress=False)
    assert not (tmp_path / "student_T2.pt").exists() and not (tmp_path / "results.json").exists()

    saves, stop_after = [], None
    again = run_hsd(_frames(32, 0), _frames(16, 1), CONFIG, out_dir=tmp_path, device="cpu", resume=True, progress=False)
    assert saves == ["student_T1.pt"] + ["student_T2.pt"] * 3  # the teacher and two T=1 epochs are not redone
    for name in ("teacher.pt", "student_T1.pt", "student_T2.pt"):
        whole, resumed = (torch.load(d / name, weights_only=True)["state_dict"] for d in (out, tmp_path))
        assert all(torch.equal(whole[k], resumed[k]) for k in whole), name
    assert [s["hsd_accuracy"] for s in again["students"]] == [s["hsd_accuracy"] for s in summary["students"]]


def test_resume_with_other_skd_weights_is_refused(run):
    out, _ = run
    other = HSDConfig(**{**CONFIG.__dict__, "alpha": 0.5})
    with pytest.raises(CheckpointError, match="alpha=0.5"):
        run_hsd(_frames(32, 0), _frames(16, 1), other, out_dir=out, device="cpu", resume=True, progress=False)


def _student(out, targets, **kwargs):
    torch.manual_seed(0)
    teacher = QCFSNet((2, 8, 8), 2, **CONFIG.teacher_options())
    train = _frames(32, 0)
    targets = teacher_logits(teacher, train, device=torch.device("cpu")) if targets is None else targets
    train_student(teacher, train, None, 2, targets, CONFIG, out_dir=out, device=torch.device("cpu"), progress=False,
                  **kwargs)
    return torch.load(out / "student_T2.pt", weights_only=True)


def test_an_interrupted_student_resumes_to_identical_weights(tmp_path, monkeypatch):
    whole = _student(tmp_path / "whole", None)["state_dict"]
    calls = []

    class Interrupted(SKDHook):
        def __call__(self, logits, labels, indices):
            calls.append(len(indices))
            if len(calls) == 6:  # 4 batches per epoch: in the second epoch
                raise KeyboardInterrupt
            return super().__call__(logits, labels, indices)

    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "SKDHook", Interrupted)
        with pytest.raises(KeyboardInterrupt):
            _student(tmp_path / "broken", None)
    assert len(torch.load(tmp_path / "broken" / "student_T2.pt", weights_only=True)["train_state"]["history"]) == 1
    resumed = _student(tmp_path / "broken", None, resume=True)
    assert len(resumed["train_state"]["history"]) == 3
    assert all(torch.equal(whole[k], resumed["state_dict"][k]) for k in whole)


def test_resume_with_another_teacher_is_refused(tmp_path):
    _student(tmp_path, torch.zeros(32, 2))
    with pytest.raises(CheckpointError, match="loss hook: 'skd.*targets="):
        _student(tmp_path, torch.ones(32, 2), resume=True)


def test_a_diverging_student_names_the_student_rate(tmp_path):
    with pytest.raises(DivergedError, match="T=2: training diverged in epoch 1.*--student-lr"):
        _student(tmp_path, torch.full((32, 2), math.nan))


def test_a_spiking_teacher_is_trained_at_F_steps_and_converted(tmp_path):
    config = HSDConfig(**{**CONFIG.__dict__, "teacher_kind": "snn", "steps": (2,)})
    summary = run_hsd(_frames(32, 0), _frames(16, 1), config, out_dir=tmp_path, device="cpu", progress=False)
    teacher = torch.load(tmp_path / "teacher.pt", weights_only=True)
    assert teacher["model_kwargs"]["spiking"] and teacher["data"]["T"] == 4
    assert summary["teacher"]["accuracy"] > 0.9 and summary["students"][0]["hsd_accuracy"] > 0.9


@pytest.mark.parametrize(
    "kwargs", [dict(steps=(8,)), dict(steps=()), dict(tau=0.0), dict(alpha=-1.0), dict(teacher_kind="cnn")]
)
def test_bad_recipes_are_refused(kwargs):
    with pytest.raises(InvalidConfigError):
        HSDConfig(train_frames=4, **kwargs)


def test_data_with_other_frame_count_is_refused(tmp_path):
    with pytest.raises(InvalidConfigError, match="4 frames"):
        run_hsd(_frames(4, 0), None, HSDConfig(train_frames=8), out_dir=tmp_path, progress=False)
