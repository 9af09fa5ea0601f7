import pytest
import torch

from spikeslim.errors import CheckpointError
from spikeslim.snn.models import ModelSpec
from spikeslim.train import TrainConfig, fit, load_model, save_checkpoint
from spikeslim.train.checkpoint import data_info, read_checkpoint


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

