"""End to end on the embedded digits-dvs: a small convnet learns, and the CLI trains, checkpoints
and evaluates a checkpoint at another T with the test data re-binned from the events.

The digits-dvs events are generated once per test session into its private cache (~15 s, see
tests/conftest.py); the binned frames go to a temporary folder.
"""

import json

import pytest
import torch

from spikeslim.cli import main
from spikeslim.datasets import FrameSpec, load_frames
from spikeslim.snn.models import build_model
from spikeslim.train import TrainConfig, evaluate, fit, load_model

SPEC = FrameSpec("digits-dvs", 4, downsample=2)


@pytest.fixture(scope="module")
def frame_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("frames")


def test_convnet_loss_falls_on_digits_dvs(frame_cache):
    train = load_frames(SPEC, "train", cache_dir=frame_cache, progress=False)
    torch.manual_seed(0)
    model = build_model("convnet", in_shape=train.shape[1:], n_classes=10, depth=1, width=8)
    result = fit(model, train.subset(range(160)), TrainConfig(epochs=3, batch_size=16, lr=1e-2), progress=False)
    losses = [h.loss for h in result.history]
    assert losses[-1] < 0.6 * losses[0], losses
    assert result.history[-1].train_accuracy > 0.5  # 10 classes: chance is 0.1


def test_cli_keep_needs_a_pruning_method(tmp_path, capsys):
    assert main(["train", "--dataset", "digits-dvs", "--keep", "0.5", "--out", str(tmp_path)]) == 2
    assert "--prune" in capsys.readouterr().err


@pytest.mark.parametrize("flags, reason", [
    (["--option", "anneal=0.2"], "give --prune NAME"), (["--prune", "random", "--option", "colour=red"], "unknown option colour"),
    (["--prune", "random", "--option", "anneal=1.5"], "anneal must be a fraction"),
])
def test_cli_pruning_options_are_checked_before_data_loads(tmp_path, capsys, flags, reason):
    assert main(["train", "--dataset", "digits-dvs", *flags, "--out", str(tmp_path), "--cache-dir", str(tmp_path)]) == 2
    assert reason in capsys.readouterr().err and not any(tmp_path.iterdir())


def test_cli_trains_pruned_then_evaluates_the_checkpoint_at_one_step(frame_cache, tmp_path, capsys):
    out = tmp_path / "run"
    flags = ["--cache-dir", str(frame_cache), "--device", "cpu"]
    assert main(["train", "--dataset", "digits-dvs", "--model", "convnet", "--depth", "1", "--width", "8",
                 "--T", "4", "--downsample", "2", "--epochs", "1", "--batch-size", "64", "--lr", "0.01",
                 "--prune", "random", "--keep", "0.5", "--option", "anneal=0.2", "--out", str(out), *flags]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["n_test"] == 360 and results["data"]["T"] == 4 and len(results["per_step_accuracy"]) == 4
    assert 0 <= results["spike_rate"] <= 1 and results["wall_time_s"] > 0 and len(results["history"]) == 1
    assert results["n_train"] == 1437 and results["examples_seen"] == pytest.approx(1437 / 2, abs=1)
    assert results["history"][0]["kept_fraction"] == pytest.approx(0.5, abs=1e-3)
    assert (results["prune"], results["keep"], results["prune_options"]) == ("random", 0.5, {"anneal": 0.2})
    capsys.readouterr()

    assert main(["evaluate", str(out / "checkpoint.pt"), "--T", "1", *flags]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((out / "evaluate_T1.json").read_text())
    assert printed["T"] == 1 and printed["trained_T"] == 4 and len(printed["per_step_accuracy"]) == 1
    # The command re-loads the checkpoint's dataset at T=1 with its other settings (downsample 2).
    model, _ = load_model(out / "checkpoint.pt")
    test_t1 = load_frames(FrameSpec("digits-dvs", 1, downsample=2), "test", cache_dir=frame_cache, progress=False)
    assert printed["accuracy"] == evaluate(model, test_t1)["accuracy"]
