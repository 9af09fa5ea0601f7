"""Static baselines (EL2N, GraNd, forgetting) and SADP end to end through the trainer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from spikeslim.errors import InvalidConfigError
from spikeslim.prune import build_sampler
from spikeslim.prune.forgetting import ForgettingCounter
from spikeslim.prune.grand import calibrate_batch_norm, gradient_norms
from spikeslim.prune.static import StaticSampler
import spikeslim.train
from spikeslim.snn.models import ModelSpec
from spikeslim.train import TrainConfig, fit
from spikeslim.train.plugins import RunContext

CONFIG = TrainConfig(epochs=4, batch_size=8, lr=0.01, seed=0)
PROXY = ModelSpec("convnet", {"width": 2, "depth": 1})  # the run's network, which proxies train


def _observe(counter: ForgettingCounter, correct: list[bool]) -> None:
    n = len(correct)
    logits = torch.zeros(1, n, 2)
    logits[0, :, 0] = torch.tensor([1.0 if c else -1.0 for c in correct])
    counter.observe(torch.arange(n), logits, torch.zeros(1, n, 1), torch.zeros(n, dtype=torch.long))


def test_forgetting_counts_correct_to_wrong_transitions() -> None:
    counter = ForgettingCounter(3, seed=0)
    for row in ([True, False, True], [False, False, True], [True, False, False], [False, False, True]):
        _observe(counter, row)
    np.testing.assert_array_equal(counter.forgotten, [2, 0, 1])
    assert counter.scores[1] == np.inf and counter.scores[0] == 2.0
    restored = ForgettingCounter(3, seed=0)
    restored.load_state_dict(counter.state_dict())
    np.testing.assert_array_equal(restored.scores, counter.scores)


def test_forgetting_at_full_keep_is_a_counter_that_trains_on_everything(frameset, tiny_model_factory) -> None:
    sampler = build_sampler("forgetting", frameset, keep=1.0, run=RunContext())
    result = fit(tiny_model_factory(), frameset, CONFIG, sampler=sampler, device="cpu", progress=False)
    assert result.examples_seen == len(frameset) * CONFIG.epochs
    assert sampler.scores.shape == (len(frameset),) and sampler.ever_correct.any()


@pytest.mark.parametrize("name", ["el2n", "grand", "forgetting"])
def test_static_methods_keep_one_fixed_subset(name: str, frameset) -> None:
    run = RunContext(device="cpu", progress=False, config=CONFIG, model=PROXY)
    sampler = build_sampler(name, frameset, keep=0.3, options={"n_proxies": 1}, run=run)
    first, w = sampler.plan(0, 10)
    assert len(first) == 12 and np.all(w == 1.0)
    again, _ = sampler.plan(5, 10)
    assert set(again) == set(first)
    for c in range(frameset.n_classes):  # 3 of each class's 10: the highest scored of that class
        own = frameset.labels == c
        kept = sampler.scores[first[frameset.labels[first] == c]]
        assert len(kept) == 3 and kept.min() >= np.sort(sampler.scores[own])[::-1][2]


def test_static_methods_need_a_proxy_recipe(frameset) -> None:
    with pytest.raises(InvalidConfigError, match="needs model and config"):
        build_sampler("el2n", frameset, keep=0.5, run=RunContext())


def test_gradient_norms_match_per_example_autograd(frameset, tiny_model_factory) -> None:
    torch.manual_seed(0)
    model = tiny_model_factory()
    norms = gradient_norms(model, frameset, device="cpu", progress=False)
    x = torch.from_numpy(frameset.frames[3:4]).float().transpose(0, 1)
    loss = F.cross_entropy(model(x).mean(0), torch.from_numpy(frameset.labels[3:4]))
    grads = torch.autograd.grad(loss, list(model.parameters()))
    assert norms[3] == pytest.approx(float(torch.sqrt(sum(g.pow(2).sum() for g in grads))), rel=1e-5)


def test_sadp_through_the_trainer_sees_the_budget_and_learns(frameset, tiny_model_factory) -> None:
    torch.manual_seed(0)
    config = TrainConfig(epochs=8, batch_size=8, lr=0.02, seed=0)
    sampler = build_sampler("sadp", frameset, keep=0.5, run=RunContext(config=config))
    result = fit(tiny_model_factory(), frameset, config, sampler=sampler, device="cpu", progress=False)
    assert result.examples_seen == pytest.approx(0.5 * len(frameset) * config.epochs, abs=config.epochs)
    assert sampler.table.seen.all()
    assert result.history[-1].loss < result.history[0].loss


@pytest.mark.parametrize("name", ["el2n", "grand", "forgetting"])
def test_the_runs_device_and_progress_reach_the_proxies(name: str, frameset, monkeypatch, capsys) -> None:
    """With CUDA seemingly present, a proxy left to pick its own device would go there (and fail)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    proxies, real_fit = [], spikeslim.train.fit

    def recording_fit(model, *args, **kwargs):
        proxies.append(model)
        return real_fit(model, *args, **kwargs)

    monkeypatch.setattr(spikeslim.train, "fit", recording_fit)
    run = RunContext(device="cpu", progress=False, config=CONFIG, model=PROXY)
    build_sampler(name, frameset, keep=0.5, options={"n_proxies": 1, "score_epochs": 1}, run=run)
    assert proxies and all(p.device.type == "cpu" for m in proxies for p in m.parameters())
    assert capsys.readouterr().err == "", "progress=False draws no bar"


@pytest.mark.parametrize("options, reason", [
    ({"n_proxy": 2}, r"^el2n: unknown option n_proxy; known: n_proxies, score_epochs$"),
    ({"n_proxies": "2"}, r"^el2n: option n_proxies='2' must be an integer$"),
    ({"score_epochs": 1.5}, r"^el2n: option score_epochs=1.5 must be an integer or null$"),
    ({"device": "cpu"}, r"^el2n: unknown option device;"),
])
def test_bad_pruning_options_are_one_line_errors_naming_them(options, reason, frameset):
    run = RunContext(config=CONFIG, model=PROXY)
    with pytest.raises(InvalidConfigError, match=reason):
        build_sampler("el2n", frameset, keep=0.5, options=options, run=run)


def test_static_selection_keeps_the_fraction_within_every_class() -> None:
    """Scores that favour one class (as event density does for GraNd) must not empty another."""
    labels = np.repeat([0, 1, 2], [10, 20, 30])
    scores = np.where(labels == 2, 100.0, 1.0) + np.arange(60) * 1e-3
    kept = StaticSampler(scores, labels, keep=0.5, seed=0).kept
    assert np.bincount(labels[kept]).tolist() == [5, 10, 15]
    assert set(kept[labels[kept] == 1]) == set(range(20, 30))  # the top half of class 1's own scores
    with pytest.raises(InvalidConfigError, match="60 scores for 59"):
        StaticSampler(scores, labels[:-1], keep=0.5, seed=0)


def test_batch_norm_is_calibrated_on_the_data_before_scoring(frameset) -> None:
    net = torch.nn.Sequential(torch.nn.Flatten(2), torch.nn.Flatten(0, 1), torch.nn.BatchNorm1d(32)).eval()
    calibrate_batch_norm(net, frameset, torch.device("cpu"), batch_size=8)  # 5 equal batches
    bn = net[2]
    flat = torch.from_numpy(np.asarray(frameset.frames, dtype=np.float32)).reshape(-1, 32)
    torch.testing.assert_close(bn.running_mean, flat.mean(0), rtol=1e-4, atol=1e-4)
    assert bn.momentum == 0.1 and not net.training  # its mode and momentum are restored
