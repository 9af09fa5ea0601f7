"""`TrainConfig.bptt`: SLTT and online SLTT as training options of `fit` (train.bptt)."""

import json

import numpy as np
import pytest
import torch

from spikeslim.errors import CheckpointError, InvalidConfigError
from spikeslim.snn.memory import track_saved_tensors
from spikeslim.snn.models import ModelSpec
from spikeslim.snn.record import spiking_layers
from spikeslim.train import TrainConfig, fit
from spikeslim.train.checkpoint import read_checkpoint
from toys import quadrant_frames

SGD = dict(epochs=1, batch_size=16, lr=0.2, optimizer="sgd", momentum=0.0, schedule="constant", loss="tet",
           tet_lambda=0.2)


def _convnet(norm="instance"):
    spec = ModelSpec("convnet", {"depth": 2, "width": 4, "norm": norm, "neuron": {"v_threshold": 0.5}})
    return spec.build((2, 8, 8), 4, seed=0)


def _weights(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


class Weighted:
    """Every example, weights 0.5, 1.5, 2.5, ... by index; records what it observes and the flags."""

    def __init__(self, n, model=None, interrupt_at=None):
        self.n, self.model, self.interrupt_at, self.seen, self.flags = n, model, interrupt_at, [], []

    def plan(self, epoch, n_epochs):
        if epoch == self.interrupt_at:
            raise KeyboardInterrupt
        return np.arange(self.n), (0.5 + np.arange(self.n) % 3).astype(np.float32)

    def observe(self, indices, logits, features, labels):
        self.seen.append((logits.shape, features.shape, logits.requires_grad))
        if self.model is not None:
            self.flags.append([layer.sltt for layer in spiking_layers(self.model)])


def test_online_gives_sltts_gradient_with_per_example_weights_and_full_bptt_does_not(tiny_train):
    trained = {}
    for mode in ("full", "sltt", "online"):
        model, sampler = _convnet(), Weighted(len(tiny_train))
        fit(model, tiny_train, TrainConfig(**SGD, bptt=mode), sampler=sampler, progress=False)
        trained[mode] = _weights(model)
        assert sampler.seen == [((4, 16, 4), (4, 16, 16), False)] * 4
    start = _weights(_convnet())
    assert not torch.allclose(trained["sltt"], start, atol=1e-3)
    assert torch.allclose(trained["online"], trained["sltt"], rtol=1e-4, atol=1e-6)  # 4 SGD steps: equal gradients
    assert not torch.allclose(trained["full"], trained["sltt"], rtol=1e-3, atol=1e-4)  # BPTT keeps the membrane path


def test_online_training_learns_tiny_data(make_net, tiny_train, tiny_test):
    config = TrainConfig(epochs=4, batch_size=16, lr=0.01, seed=3, loss="tet", bptt="online")
    result = fit(make_net(), tiny_train, config, test=tiny_test, progress=False)
    losses = [h.loss for h in result.history]
    assert losses[-1] < 0.7 * losses[0], losses
    assert result.final["accuracy"] > 0.5


def _peak_saved_bytes(T, mode):
    with track_saved_tensors() as meter:
        fit(_convnet(), quadrant_frames(16, T=T), TrainConfig(**SGD, bptt=mode), progress=False)
    return meter.peak_bytes


def test_online_memory_for_backward_is_constant_in_T():
    assert _peak_saved_bytes(8, "online") == _peak_saved_bytes(2, "online")
    assert _peak_saved_bytes(8, "sltt") > 2 * _peak_saved_bytes(2, "sltt")


def test_sltt_flags_are_set_while_training_and_restored_after_even_an_interrupt(tiny_train):
    model = _convnet()
    spiking_layers(model)[1].sltt = True
    sampler = Weighted(len(tiny_train), model)
    fit(model, tiny_train, TrainConfig(**SGD, bptt="sltt"), sampler=sampler, progress=False)
    assert sampler.flags == [[True, True]] * 4
    assert [layer.sltt for layer in spiking_layers(model)] == [False, True]
    with pytest.raises(KeyboardInterrupt):
        fit(model, tiny_train, TrainConfig(**{**SGD, "epochs": 2}, bptt="sltt"),
            sampler=Weighted(len(tiny_train), interrupt_at=1), progress=False)
    assert [layer.sltt for layer in spiking_layers(model)] == [False, True]


def test_bad_modes_and_combinations_are_one_line_errors(tiny_train):
    refusals = []
    with pytest.raises(InvalidConfigError, match=r"^bptt 'tbptt' is not one of full, sltt, online$"):
        TrainConfig(bptt="tbptt")
    with pytest.raises(InvalidConfigError, match=r"bptt 'online' .*per-step losses: use loss 'tet', not 'mean'") as err:
        TrainConfig(bptt="online")
    refusals.append(err)
    online = TrainConfig(**SGD, bptt="online")
    with pytest.raises(InvalidConfigError, match=r"cannot train SpikingCNN: its batch norm 'features.1' .*bptt 'sltt'") as err:
        fit(_convnet(norm="batch"), tiny_train, online, progress=False)
    refusals.append(err)

    class Hook:
        key = "my loss"

        def __call__(self, logits, labels, indices):
            raise AssertionError("never called")

    with pytest.raises(InvalidConfigError, match=r"cannot use the loss hook 'my loss'") as err:
        fit(_convnet(), tiny_train, online, loss=Hook(), progress=False)
    refusals.append(err)
    with pytest.raises(InvalidConfigError, match=r"bptt 'sltt' .* Linear has none") as err:
        fit(torch.nn.Linear(128, 4), tiny_train, TrainConfig(bptt="sltt"), progress=False)
    refusals.append(err)
    assert all("\n" not in str(e.value) for e in refusals)


def test_resume_refuses_another_mode_and_takes_older_checkpoints_as_full(make_net, tiny_train, tmp_path):
    ckpt = tmp_path / "ckpt.pt"
    config = TrainConfig(epochs=1, batch_size=32, loss="tet")
    fit(make_net(), tiny_train, config, checkpoint=ckpt, progress=False)
    assert read_checkpoint(ckpt)["train_state"]["config"]["bptt"] == "full"
    with pytest.raises(CheckpointError, match=r"\(bptt: 'full' -> 'online'\)"):
        fit(make_net(), tiny_train, TrainConfig(epochs=1, batch_size=32, loss="tet", bptt="online"), checkpoint=ckpt,
            resume=True, progress=False)
    older = read_checkpoint(ckpt)
    del older["train_state"]["config"]["bptt"]  # written before the field existed
    torch.save(older, ckpt)
    assert len(fit(make_net(), tiny_train, config, checkpoint=ckpt, resume=True, progress=False).history) == 1


def test_cli_trains_online_and_records_the_mode(nmnist_small_dir, tmp_path):
    from spikeslim.cli import main

    out = tmp_path / "run"
    assert main(["train", "--dataset", "nmnist", "--data-dir", str(nmnist_small_dir), "--cache-dir", str(tmp_path),
                 "--model", "convnet", "--width", "2", "--depth", "1", "--T", "2", "--downsample", "4", "--epochs", "1",
                 "--loss", "tet", "--bptt", "online", "--out", str(out)]) == 0
    assert json.loads((out / "results.json").read_text())["config"]["bptt"] == "online"
