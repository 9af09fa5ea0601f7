"""Static baselines (EL2N, GraNd, forgetting) and SADP end to end through the trainer."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from spikeslim.errors import InvalidConfigError
from spikeslim.prune import build_sampler
from spikeslim.prune.forgetting import ForgettingCounter
from spikeslim.prune.grand import gradient_norms
from spikeslim.train import TrainConfig, fit

CONFIG = TrainConfig(epochs=4, batch_size=8, lr=0.01, seed=0)


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
    sampler = build_sampler("forgetting", frameset, keep=1.0, seed=0)
    result = fit(tiny_model_factory(), frameset, CONFIG, sampler=sampler, device="cpu", progress=False)
    assert result.examples_seen == len(frameset) * CONFIG.epochs
    assert sampler.scores.shape == (len(frameset),) and sampler.ever_correct.any()


@pytest.mark.parametrize("name", ["el2n", "grand", "forgetting"])
def test_static_methods_keep_one_fixed_subset(name: str, frameset, tiny_model_factory) -> None:
    sampler = build_sampler(
        name, frameset, keep=0.3, seed=0, model_factory=tiny_model_factory, config=CONFIG,
        n_proxies=1, progress=False, device="cpu",
    )
    first, w = sampler.plan(0, 10)
    assert len(first) == 12 and np.all(w == 1.0)
    again, _ = sampler.plan(5, 10)
    assert set(again) == set(first)
    top = np.sort(sampler.scores)[::-1][len(first) - 1]
    assert np.all(sampler.scores[first] >= top), "the kept examples are the highest scored"


def test_static_methods_need_a_proxy_recipe(frameset) -> None:
    with pytest.raises(InvalidConfigError, match="model_factory"):
        build_sampler("el2n", frameset, keep=0.5, seed=0)


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
    sampler = build_sampler("sadp", frameset, keep=0.5, seed=0, config=config)
    result = fit(tiny_model_factory(), frameset, config, sampler=sampler, device="cpu", progress=False)
    assert result.examples_seen == pytest.approx(0.5 * len(frameset) * config.epochs, abs=config.epochs)
    assert sampler.table.seen.all()
    assert result.history[-1].loss < result.history[0].loss
