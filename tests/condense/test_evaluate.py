import json
import os
from pathlib import Path

import numpy as np
import pytest

import spikeslim.condense.evaluate as ev
from spikeslim.cli import main
from spikeslim.condense.evaluate import EVENT_BYTES, EvalRecipe, storage
from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.datasets.setfile import InvalidSetFileError, save_set
from spikeslim.errors import InvalidConfigError
from spikeslim.snn.models import ModelSpec

NMNIST_SMALL = Path(os.environ.get("SPIKESLIM_NMNIST_SMALL",
                                   Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "nmnist-small"))


def _split(n_per_class: int, seed: int) -> FrameSet:
    """Two classes a network can tell apart: events in the left or the right half."""
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1], n_per_class)
    frames = rng.integers(0, 2, size=(len(labels), 2, 2, 8, 8)).astype(np.uint8)
    for i, c in enumerate(labels):
        frames[i, :, :, :, 4 * c:4 * c + 4] += 3
    return FrameSet(frames, labels, 2, FrameSpec("toy", 2))


def test_recipe_trains_a_step_budget_with_an_epoch_floor():
    recipe = EvalRecipe(steps=300, min_epochs=10, batch_size=64)
    assert recipe.epochs_for(10) == 300  # one batch per epoch
    assert recipe.epochs_for(100) == 150  # two batches per epoch
    assert recipe.epochs_for(10_000) == 10  # the floor
    with pytest.raises(InvalidConfigError, match="seeds"):
        EvalRecipe(seeds=0)
    with pytest.raises(InvalidConfigError, match="ModelSpec"):
        EvalRecipe(model="scnn")  # a bare name, as before ModelSpec


def test_storage_counts_set_file_and_full_data_bytes(tmp_path):
    full = _split(6, 0)
    small = full.subset([0, 6])
    path = tmp_path / "s.npz"
    save_set(path, small, {})
    sizes = storage(small, full, path)
    assert sizes["set_file_bytes"] == path.stat().st_size
    assert sizes["set_frames_bytes"] == small.frames.size  # uint8 counts
    assert sizes["full_events_bytes"] == EVENT_BYTES * int(full.frames.sum())
    assert sizes["full_frames_bytes"] == full.frames.size


def test_evaluate_set_command_runs_end_to_end(tmp_path, monkeypatch, capsys):
    train, test = _split(10, 1), _split(5, 2)
    calls = []
    monkeypatch.setattr(ev, "real_splits", lambda spec, **_: calls.append(spec.dataset) or (train, test))
    path = tmp_path / "toy_ipc2.npz"
    save_set(path, train.subset([0, 1, 10, 11]), {"method": "random", "ipc": 2})
    args = [str(path), "--seeds", "2", "--steps", "3", "--width", "4", "--depth", "1", "--device", "cpu"]
    assert main(["evaluate-set", *args]) == 0
    row = json.loads((tmp_path / "toy_ipc2_eval.json").read_text())["rows"][0]
    assert len(row["accuracies"]) == 2 and all(0.0 <= a <= 1.0 for a in row["accuracies"])
    assert row["n_samples"] == 4 and row["full_n_samples"] == 20 and row["method"] == "random"
    assert row["time_ratio"] > 0 and row["events_storage_ratio"] > 0
    assert "time saved" in capsys.readouterr().out
    cached = list((tmp_path / "reference").glob("reference-toy-*.json"))
    assert len(cached) == 1  # the full-data run is cached for the next set of this dataset
    assert main(["evaluate-set", *args[:1], "--seeds", "1", *args[3:]]) == 0  # other set seeds, same reference
    assert list((tmp_path / "reference").iterdir()) == cached and calls == ["toy", "toy"]


def test_evaluate_set_T_tests_the_networks_at_that_many_steps(tmp_path, monkeypatch, capsys):
    train, test = _split(10, 1), _split(5, 2)
    one_step = FrameSet(test.frames.sum(axis=1, keepdims=True), test.labels, 2, FrameSpec("toy", 1))
    asked = []

    def real_splits(spec, *, test_T=None, **_):
        asked.append(test_T)
        return train, (test if test_T is None else one_step)

    monkeypatch.setattr(ev, "real_splits", real_splits)
    path = tmp_path / "toy_ipc2.npz"
    save_set(path, train.subset([0, 1, 10, 11]), {"method": "random", "ipc": 2})
    args = [str(path), "--seeds", "1", "--steps", "2", "--width", "4", "--depth", "1", "--device", "cpu"]
    assert main(["evaluate-set", *args, "--T", "1"]) == 0
    assert "test T" in capsys.readouterr().out
    row = json.loads((tmp_path / "toy_ipc2_eval.json").read_text())["rows"][0]
    assert asked == [1] and row["T"] == 2 and row["test_T"] == 1
    assert main(["evaluate-set", *args, "--out", str(tmp_path / "default")]) == 0
    assert "test T" not in capsys.readouterr().out
    assert json.loads((tmp_path / "default" / "toy_ipc2_eval.json").read_text())["rows"][0]["test_T"] == 2
    assert asked == [1, None] and len(list((tmp_path / "reference").iterdir())) == 2  # one reference per test T


def test_a_set_that_does_not_match_the_real_data_is_refused(tmp_path, monkeypatch):
    train = _split(3, 0)
    monkeypatch.setattr(ev, "real_splits", lambda spec, **_: (train, train))
    path = tmp_path / "wrong.npz"
    save_set(path, FrameSet(np.zeros((2, 2, 2, 6, 6), np.uint8), np.array([0, 1]), 2, FrameSpec("toy", 2)), {})
    with pytest.raises(InvalidSetFileError, match="wrong.npz"):
        ev.evaluate_set(path, EvalRecipe(seeds=1, steps=1), progress=False)


def test_evaluate_set_on_real_nmnist_small(tmp_path):
    data_dir = NMNIST_SMALL
    if not (data_dir / "Train").is_dir():
        pytest.skip(f"real N-MNIST subset not found at {data_dir}")
    from spikeslim.condense.registry import condense_set
    from spikeslim.train.plugins import RunContext
    from spikeslim.datasets import load_frames

    spec = FrameSpec.of("nmnist", T=2, downsample=4, data_dir=data_dir)
    train = load_frames(spec, "train", cache_dir=tmp_path / "cache", progress=False)
    path = tmp_path / "nmnist_random.npz"
    save_set(path, condense_set("random", train, 1, run=RunContext()), {})
    recipe = EvalRecipe(model=ModelSpec("scnn", {"width": 4, "depth": 1}), seeds=1, steps=2, min_epochs=1)
    row = ev.evaluate_set(path, recipe, with_reference=False, data_dir=data_dir, cache_dir=tmp_path / "cache",
                          progress=False)
    assert row["dataset"] == "nmnist" and row["n_samples"] == 10 and row["ipc"] == 1
    assert 0.0 <= row["acc_mean"] <= 1.0
    assert row["full_events_bytes"] == EVENT_BYTES * int(np.asarray(train.frames).sum(dtype=np.int64))
