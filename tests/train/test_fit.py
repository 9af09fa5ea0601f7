import numpy as np
import pytest
import torch

from spikeslim.errors import CheckpointError
from spikeslim.train import TrainConfig, evaluate, fit, to_input
from spikeslim.train.checkpoint import read_checkpoint

CONFIG = TrainConfig(epochs=4, batch_size=16, lr=0.01, seed=3)


def _weights(model):
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_loss_falls_and_results_are_reported(make_net, tiny_train, tiny_test):
    model = make_net()
    result = fit(model, tiny_train, CONFIG, test=tiny_test, progress=False)
    losses = [h.loss for h in result.history]
    assert len(losses) == 4 and losses[-1] < 0.7 * losses[0]
    assert result.final["accuracy"] == result.history[-1].test_accuracy > 0.5
    assert result.examples_seen == 4 * len(tiny_train)
    assert result.history[-1].lr < CONFIG.lr  # cosine schedule decays
    d = result.to_dict()
    assert set(d) >= {"final", "wall_time_s", "examples_seen", "history"}


def test_same_seed_gives_bit_identical_runs_and_another_seed_does_not(make_net, tiny_train):
    a, b, c = make_net(), make_net(), make_net()
    fit(a, tiny_train, CONFIG, progress=False)
    fit(b, tiny_train, CONFIG, progress=False)
    fit(c, tiny_train, TrainConfig(epochs=4, batch_size=16, lr=0.01, seed=4), progress=False)
    assert torch.equal(_weights(a), _weights(b))
    assert not torch.equal(_weights(a), _weights(c))


class FullSampler:
    """Every example, weight 1; optionally 'Ctrl-C' when asked for the plan of one epoch."""

    def __init__(self, n, interrupt_at=None):
        self.n, self.interrupt_at = n, interrupt_at

    def plan(self, epoch, n_epochs):
        if epoch == self.interrupt_at:
            raise KeyboardInterrupt
        return np.arange(self.n), np.ones(self.n, dtype=np.float32)

    def observe(self, indices, logits, features, labels):
        pass


def test_interrupt_keeps_last_epoch_and_resume_ends_with_identical_weights(make_net, tiny_train, tmp_path):
    ckpt = tmp_path / "ckpt.pt"
    config = TrainConfig(epochs=4, batch_size=16, lr=0.01, seed=3, optimizer="sgd")
    whole = make_net()
    fit(whole, tiny_train, config, sampler=FullSampler(64), progress=False)

    broken = make_net()
    with pytest.raises(KeyboardInterrupt):
        fit(broken, tiny_train, config, sampler=FullSampler(64, interrupt_at=2), checkpoint=ckpt, progress=False)
    assert len(read_checkpoint(ckpt)["train_state"]["history"]) == 2

    resumed = make_net(seed=99)  # weights come from the checkpoint
    result = fit(resumed, tiny_train, config, sampler=FullSampler(64), checkpoint=ckpt, resume=True, progress=False)
    assert [h.epoch for h in result.history] == [1, 2, 3, 4]
    assert torch.equal(_weights(whole), _weights(resumed))


def test_resume_refuses_a_different_recipe(make_net, tiny_train, tmp_path):
    ckpt = tmp_path / "ckpt.pt"
    fit(make_net(), tiny_train, TrainConfig(epochs=1, batch_size=32), checkpoint=ckpt, progress=False)
    with pytest.raises(CheckpointError, match="lr"):
        fit(make_net(), tiny_train, TrainConfig(epochs=1, batch_size=32, lr=0.5), checkpoint=ckpt, resume=True, progress=False)


class HalfSampler:
    """Keeps the even indices with weight `w`, records what the loop shows it."""

    def __init__(self, n, w=1.0):
        self.n, self.w, self.seen = n, w, []

    def plan(self, epoch, n_epochs):
        idx = np.arange(0, self.n, 2)
        return idx, np.full(len(idx), self.w, dtype=np.float32)

    def observe(self, indices, logits, features, labels):
        self.seen.append((indices.clone(), logits.shape, features.shape, labels.clone(), logits.requires_grad))


def test_sampler_plans_the_epoch_and_observes_every_batch(make_net, tiny_train):
    sampler = HalfSampler(64)
    result = fit(make_net(), tiny_train, TrainConfig(epochs=2, batch_size=10), sampler=sampler, progress=False)
    assert result.examples_seen == 64 and result.history[0].kept_fraction == 0.5
    first_epoch = torch.cat([s[0] for s in sampler.seen[:4]])
    assert sorted(first_epoch.tolist()) == list(range(0, 64, 2))
    for idx, lshape, fshape, labels, grad in sampler.seen:
        assert lshape == (4, len(idx), 4) and fshape == (4, len(idx), 16) and not grad
        assert torch.equal(labels, torch.from_numpy(tiny_train.labels[idx.numpy()]))


def test_zero_weights_leave_the_model_unchanged(make_net, tiny_train):
    model = make_net()
    before = _weights(model).clone()
    fit(model, tiny_train, TrainConfig(epochs=1, optimizer="sgd", momentum=0.0), sampler=HalfSampler(64, w=0.0), progress=False)
    assert torch.equal(before, _weights(model))


def test_evaluate_reports_per_step_accuracy_spike_rate_and_rebins(make_net, tiny_test):
    model = make_net()
    metrics = evaluate(model, tiny_test, device="cpu")
    assert metrics["n"] == 32 and len(metrics["per_step_accuracy"]) == 4
    assert metrics["accuracy"] == metrics["per_step_accuracy"][-1]
    assert 0 <= metrics["spike_rate"] <= 1 and metrics["synops_per_sample"] > 0
    assert len(evaluate(model, tiny_test, T=2)["per_step_accuracy"]) == 2


def test_evaluate_omits_spike_rate_without_spiking_layers(tiny_test):
    class Linear(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(128, 4)

        def forward(self, x):
            return self.fc(x.flatten(2))

    assert "spike_rate" not in evaluate(Linear(), tiny_test)


class ShiftedTargets:
    """A loss hook that ignores the labels: row i must be classified as (label_i + 1) mod 4."""

    def __init__(self, labels, interrupt_after=None):
        self.targets = torch.from_numpy((labels + 1) % 4)
        self.interrupt_after, self.calls = interrupt_after, 0

    @property
    def key(self):
        return "shifted by 1"

    def __call__(self, logits, labels, indices):
        self.calls += 1
        if self.calls == self.interrupt_after:
            raise KeyboardInterrupt
        return torch.nn.functional.cross_entropy(logits.mean(0), self.targets[indices], reduction="none")


def test_a_loss_hook_trains_towards_its_targets_not_the_labels(make_net, tiny_train):
    model = make_net()
    hook = ShiftedTargets(tiny_train.labels)
    result = fit(model, tiny_train, CONFIG, loss=hook, progress=False)
    assert hook.calls == 4 * 4 and result.history[-1].loss < 0.7 * result.history[0].loss
    with torch.no_grad():
        predicted = model(to_input(tiny_train.frames)).mean(0).argmax(-1)
    assert (predicted == hook.targets).float().mean() > 0.9
    assert result.history[-1].train_accuracy < 0.1  # measured against the labels it was told to ignore


def test_resume_with_a_loss_hook_ends_with_identical_weights_and_refuses_another(make_net, tiny_train, tmp_path):
    ckpt = tmp_path / "ckpt.pt"
    whole = make_net()
    fit(whole, tiny_train, CONFIG, loss=ShiftedTargets(tiny_train.labels), progress=False)
    with pytest.raises(KeyboardInterrupt):  # 4 batches per epoch: in the third epoch
        fit(make_net(), tiny_train, CONFIG, loss=ShiftedTargets(tiny_train.labels, interrupt_after=10),
            checkpoint=ckpt, progress=False)
    assert read_checkpoint(ckpt)["train_state"]["loss"] == "shifted by 1"
    with pytest.raises(CheckpointError, match="loss hook: 'shifted by 1' -> None"):
        fit(make_net(), tiny_train, CONFIG, checkpoint=ckpt, resume=True, progress=False)
    resumed = make_net(seed=99)
    result = fit(resumed, tiny_train, CONFIG, loss=ShiftedTargets(tiny_train.labels), checkpoint=ckpt, resume=True,
                 progress=False)
    assert [h.epoch for h in result.history] == [1, 2, 3, 4]
    assert torch.equal(_weights(whole), _weights(resumed))


def test_a_hook_without_one_loss_per_example_is_refused(make_net, tiny_train):
    class Scalar(ShiftedTargets):
        def __call__(self, logits, labels, indices):
            return super().__call__(logits, labels, indices).mean()

    with pytest.raises(ValueError, match=r"one loss per example, shape \(16,\), not \(\)"):
        fit(make_net(), tiny_train, CONFIG, loss=Scalar(tiny_train.labels), progress=False)


def test_sampler_weights_and_observations_apply_to_a_hooks_loss(make_net, tiny_train):
    model, sampler, hook = make_net(), HalfSampler(64, w=0.0), ShiftedTargets(tiny_train.labels)
    before = _weights(model).clone()
    fit(model, tiny_train, TrainConfig(epochs=1, batch_size=10, optimizer="sgd", momentum=0.0), sampler=sampler,
        loss=hook, progress=False)
    assert torch.equal(before, _weights(model)) and hook.calls == len(sampler.seen) == 4
    assert sorted(torch.cat([s[0] for s in sampler.seen]).tolist()) == list(range(0, 64, 2))
