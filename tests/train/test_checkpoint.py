import numpy as np
import pytest
import torch

from spikeslim.datasets import FrameSet, FrameSpec
from spikeslim.errors import CheckpointError
from spikeslim.snn.models import ModelSpec
from spikeslim.train import TrainConfig, fit, load_model, save_checkpoint
from spikeslim.train.checkpoint import data_info, frame_spec, read_checkpoint


def test_checkpoint_records_model_data_and_extra(make_net, tiny_train, tmp_path):
    model = make_net()
    path = tmp_path / "c.pt"
    spec = ModelSpec("convnet", {"width": 3})
    save_checkpoint(path, model, model_spec=spec, data=data_info(tiny_train), extra={"note": 1})
    ckpt = read_checkpoint(path)
    assert ckpt["model"] == "convnet" and ckpt["model_kwargs"] == {"width": 3} and ckpt["note"] == 1
    assert ckpt["data"] == {"dataset": "quadrants", "source": None, "T": 4, "binning": "time", "downsample": 1, "n_classes": 4, "in_shape": (2, 8, 8)}
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in ckpt["state_dict"].items())
    with pytest.raises(ValueError, match="state_dict"):
        save_checkpoint(path, model, model_spec=spec, data={}, extra={"state_dict": {}})


def test_bad_checkpoints_are_named(tmp_path):
    with pytest.raises(CheckpointError, match="missing.pt"):
        read_checkpoint(tmp_path / "missing.pt")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="junk.pt"):
        read_checkpoint(junk)
    torch.save({"a": 1}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="not a spikeslim checkpoint"):
        read_checkpoint(tmp_path / "foreign.pt")


def test_fit_without_model_spec_saves_a_checkpoint_load_model_refuses(make_net, tiny_train, tmp_path):
    path = tmp_path / "c.pt"
    fit(make_net(), tiny_train, TrainConfig(epochs=1), checkpoint=path, progress=False)
    with pytest.raises(CheckpointError, match="no registered model"):
        load_model(path)


def test_the_data_spec_round_trips_through_a_checkpoint(tmp_path):
    spec = FrameSpec("nmnist", 2, "count", 4, str(tmp_path))
    data = FrameSet(np.zeros((2, 2, 2, 9, 9), np.uint8), np.arange(2), 10, spec)
    model = ModelSpec("convnet", {"width": 2, "depth": 1}).build((2, 9, 9), 10, seed=0)
    save_checkpoint(tmp_path / "c.pt", model, model_spec=ModelSpec("convnet", {"width": 2, "depth": 1}),
                    data=data_info(data))
    back, ckpt = load_model(tmp_path / "c.pt")
    assert frame_spec(ckpt, tmp_path / "c.pt") == spec
    assert all(torch.equal(a, b) for a, b in zip(back.state_dict().values(), model.state_dict().values()))


def test_a_checkpoint_written_before_the_spec_still_loads(tmp_path):
    """Older data records lack the source folder; data of no dataset cannot name test data."""
    model = ModelSpec("convnet", {"width": 2, "depth": 1}).build((2, 9, 9), 10, seed=0)
    old = {"dataset": "nmnist", "T": 2, "binning": "time", "downsample": 4, "n_classes": 10, "in_shape": (2, 9, 9)}
    save_checkpoint(tmp_path / "old.pt", model, model_spec=ModelSpec("convnet", {"width": 2, "depth": 1}), data=old)
    _, ckpt = load_model(tmp_path / "old.pt")
    assert frame_spec(ckpt, "old.pt") == FrameSpec("nmnist", 2, downsample=4)
    bare = FrameSet(np.zeros((2, 3, 2, 9, 9), np.uint8), np.arange(2), 10)
    assert data_info(bare) == {"dataset": None, "T": 3, "source": None, "n_classes": 10, "in_shape": (2, 9, 9)}
    with pytest.raises(CheckpointError, match="'bare.pt' names no dataset"):
        frame_spec({"data": data_info(bare)}, "bare.pt")
