import json
import math
from pathlib import Path

import pytest
import torch

from spikeslim.errors import CheckpointError, DivergedError, InvalidConfigError
from spikeslim.files import write_torch
from spikeslim.latency import hsd
from spikeslim.latency.run import run_latency
from spikeslim.latency.skd import SKDHook, teacher_logits
from spikeslim.snn.models.qcfs import QCFSNet
from spikeslim.train import TrainConfig, checkpoint
from spikeslim.train.plugins import RunContext

OPTIONS = {"channels": [4, 8], "student_epochs": 3, "student_lr": 1e-3}
RECIPE = TrainConfig(epochs=2, batch_size=8, lr=1e-2)  # the teacher's; the students' epochs and lr are options


def _run(out, resume=False) -> RunContext:
    return RunContext(device="cpu", progress=False, checkpoint=out, resume=resume, config=RECIPE)


def _hsd(halves, out, options=OPTIONS, resume=False, steps=(1, 2)):
    return run_latency(*halves, method="hsd", steps=steps, options=options, run=_run(out, resume))


@pytest.fixture(scope="module")
def run(halves, tmp_path_factory):
    out = tmp_path_factory.mktemp("hsd")
    return out, _hsd(halves, out)


def test_teacher_and_one_student_per_T_with_results_file(run):
    out, summary = run
    assert json.loads((out / "results.json").read_text()) == json.loads(json.dumps(summary))
    assert summary["method"] == "hsd" and summary["options"]["alpha"] == 1.0 and summary["config"]["epochs"] == 2
    assert [s["T"] for s in summary["networks"]] == [1, 2]
    for s in summary["networks"]:
        assert 0.0 <= s["converted_accuracy"] <= 1.0 and 0.0 <= s["accuracy"] <= 1.0
        assert len(s["per_step_accuracy"]) == s["T"]
        assert s["checkpoint"] == str(out / f"student_T{s['T']}.pt") and Path(s["checkpoint"]).is_file()
    assert summary["teacher"]["accuracy"] > 0.9  # the halves are easy to tell apart


def test_students_reload_as_registered_models_at_any_T(run, halves):
    from spikeslim.train import evaluate, load_model

    out, summary = run
    model, ckpt = load_model(out / "student_T2.pt")
    assert ckpt["model"] == "qcfs" and ckpt["data"]["T"] == 2
    assert ckpt["train_state"]["loss"].startswith("skd(alpha=1.0, tau=2.0, targets=")
    test = halves[1]
    assert evaluate(model, test, T=2)["accuracy"] == pytest.approx(summary["networks"][1]["accuracy"])
    assert len(evaluate(model, test, T=1)["per_step_accuracy"]) == 1


def test_skd_training_loss_falls(run):
    out, _ = run
    history = torch.load(out / "student_T1.pt", weights_only=True)["train_state"]["history"]
    assert len(history) == 3 and history[-1]["loss"] < history[0]["loss"]


def test_a_run_interrupted_mid_student_resumes_to_the_uninterrupted_result(run, halves, tmp_path, monkeypatch):
    out, summary = run
    saves, stop_after = [], 2

    def write(path, obj):  # Ctrl-C right after the T=1 student's second epoch (of 3) is saved
        write_torch(path, obj)
        saves.append(Path(path).name)
        if saves.count("student_T1.pt") == stop_after:
            raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint, "write_torch", write)
    with pytest.raises(KeyboardInterrupt):
        _hsd(halves, tmp_path)
    assert not (tmp_path / "student_T2.pt").exists() and not (tmp_path / "results.json").exists()

    saves, stop_after = [], None
    again = _hsd(halves, tmp_path, resume=True)
    assert saves == ["student_T1.pt"] + ["student_T2.pt"] * 3  # the teacher and two T=1 epochs are not redone
    for name in ("teacher.pt", "student_T1.pt", "student_T2.pt"):
        whole, resumed = (torch.load(d / name, weights_only=True)["state_dict"] for d in (out, tmp_path))
        assert all(torch.equal(whole[k], resumed[k]) for k in whole), name
    assert [s["accuracy"] for s in again["networks"]] == [s["accuracy"] for s in summary["networks"]]


def test_resume_with_other_skd_weights_is_refused(run, halves):
    out, _ = run
    with pytest.raises(CheckpointError, match="alpha=0.5"):
        _hsd(halves, out, options={**OPTIONS, "alpha": 0.5}, resume=True)


def _student(halves, out, targets, resume=False, alpha=1.0):
    options = hsd.Options(channels=(4, 8), student_epochs=3, alpha=alpha)
    torch.manual_seed(0)
    teacher = QCFSNet((2, 8, 8), 2, **options.teacher_options(4))
    train = halves[0]
    targets = teacher_logits(teacher, train, device=torch.device("cpu")) if targets is None else targets
    hsd.train_student(teacher, train, None, 2, targets, options, _run(out, resume))
    return torch.load(out / "student_T2.pt", weights_only=True)


def test_an_interrupted_student_resumes_to_identical_weights(halves, tmp_path, monkeypatch):
    whole = _student(halves, tmp_path / "whole", None)["state_dict"]
    calls = []

    class Interrupted(SKDHook):
        def __call__(self, logits, labels, indices):
            calls.append(len(indices))
            if len(calls) == 6:  # 4 batches per epoch: in the second epoch
                raise KeyboardInterrupt
            return super().__call__(logits, labels, indices)

    with monkeypatch.context() as patch:
        patch.setattr(hsd, "SKDHook", Interrupted)
        with pytest.raises(KeyboardInterrupt):
            _student(halves, tmp_path / "broken", None)
    assert len(torch.load(tmp_path / "broken" / "student_T2.pt", weights_only=True)["train_state"]["history"]) == 1
    resumed = _student(halves, tmp_path / "broken", None, resume=True)
    assert len(resumed["train_state"]["history"]) == 3
    assert all(torch.equal(whole[k], resumed["state_dict"][k]) for k in whole)


def test_resume_with_another_teacher_is_refused(halves, tmp_path):
    _student(halves, tmp_path, torch.zeros(32, 2))
    with pytest.raises(CheckpointError, match="loss hook: 'skd.*targets="):
        _student(halves, tmp_path, torch.ones(32, 2), resume=True)


def test_a_diverging_student_names_the_student_rate(halves, tmp_path):
    with pytest.raises(DivergedError, match="T=2: training diverged in epoch 1.*--student-lr"):
        _student(halves, tmp_path, torch.full((32, 2), math.nan))


def test_a_spiking_teacher_is_trained_at_F_steps_and_converted(halves, tmp_path):
    summary = _hsd(halves, tmp_path, options={**OPTIONS, "teacher": "snn"}, steps=(2,))
    teacher = torch.load(tmp_path / "teacher.pt", weights_only=True)
    assert teacher["model_kwargs"]["spiking"] and teacher["data"]["T"] == 4
    assert summary["teacher"]["accuracy"] > 0.9 and summary["networks"][0]["accuracy"] > 0.9


def test_alpha_zero_fine_tunes_on_cross_entropy_alone(halves, tmp_path):
    targets = {"uniform": torch.zeros(32, 2), "skewed": torch.tensor([[4.0, -4.0]] * 32)}
    uniform, skewed = (_student(halves, tmp_path / name, t, alpha=0.0)["state_dict"] for name, t in targets.items())
    assert all(torch.equal(uniform[k], skewed[k]) for k in uniform)  # the teacher's targets play no part


@pytest.mark.parametrize(
    "kwargs, match",
    [(dict(tau=0.0), "tau > 0"), (dict(alpha=-1.0), "alpha >= 0"), (dict(teacher="cnn"), "'cnn' is not one of"),
     (dict(levels=0), "levels"), (dict(student_lr=math.inf), "student_lr"), (dict(bound=0.0), "bound=0.0")],
)
def test_bad_options_are_refused(kwargs, match):
    with pytest.raises(InvalidConfigError, match=match):
        hsd.Options(**kwargs)
