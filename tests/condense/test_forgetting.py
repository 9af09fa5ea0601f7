import numpy as np
import pytest
import torch

import spikeslim.train
from spikeslim.condense.base import CondenseError
from spikeslim.condense.registry import METHODS, condense_set
from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.errors import InvalidConfigError
from spikeslim.train.plugins import RunContext

TINY = {"model_kwargs": {"width": 4, "depth": 1}, "batch_size": 8}
QUIET = RunContext(progress=False)


def _train(per_class=(4, 4, 4)) -> FrameSet:
    labels = np.repeat(np.arange(len(per_class)), per_class)
    rng = np.random.default_rng(3)
    frames = rng.integers(0, 3, size=(len(labels), 2, 2, 4, 4)).astype(np.uint8)
    return FrameSet(frames, labels, len(per_class), FrameSpec("toy", 2))


def _scripted_fit(wrong_at: dict[int, set[int]]):
    """A stand-in for `fit` that shows the sampler a fixed history: `wrong_at[epoch]` misclassified."""
    def fit(model, train, config, *, sampler, **_):
        for epoch in range(config.epochs):
            idx, _ = sampler.plan(epoch, config.epochs)
            labels = torch.as_tensor(train.labels[idx])
            wrong = torch.tensor([int(i) in wrong_at.get(epoch, set()) for i in idx])
            pred = torch.where(wrong, (labels + 1) % train.n_classes, labels)
            logits = torch.nn.functional.one_hot(pred, train.n_classes).float()[None]
            sampler.observe(torch.as_tensor(idx), logits, logits, labels)
    return fit


def test_picks_the_most_forgotten_samples_of_each_class(monkeypatch):
    # class 0 = samples 0-3, class 1 = 4-7, class 2 = 8-11.
    # 1 is forgotten twice and 2 once; 6 is never learned (ranks above any count); 9 forgotten once.
    history = {1: {1, 2, 6, 9}, 2: {6}, 3: {1, 6}, 4: {6}}
    monkeypatch.setattr(spikeslim.train, "fit", _scripted_fit({0: {6}, **history}))
    out = condense_set("forgetting", _train(), 2, options={"epochs": 5, **TINY}, run=QUIET)
    chosen = [sorted(out.meta["indices"][2 * c:2 * c + 2]) for c in range(3)]
    assert chosen[0] == [1, 2]
    assert 6 in chosen[1]
    assert 9 in chosen[2]
    np.testing.assert_array_equal(out.labels, [0, 0, 1, 1, 2, 2])


def test_a_real_proxy_run_returns_real_samples_with_their_labels():
    train = _train()
    out = condense_set("forgetting", train, 1, options={"epochs": 2, **TINY}, run=QUIET)
    idx = np.asarray(out.meta["indices"])
    np.testing.assert_array_equal(out.frames, train.frames[idx])
    np.testing.assert_array_equal(train.labels[idx], out.labels)
    np.testing.assert_array_equal(out.labels, [0, 1, 2])
    assert out.meta["method"] == "forgetting" and out.meta["options"]["epochs"] == 2


def test_ipc_is_checked_before_training_and_options_by_name():
    with pytest.raises(CondenseError, match="ipc=5"):
        condense_set("forgetting", _train(), 5, options=TINY, run=QUIET)
    with pytest.raises(InvalidConfigError, match="unknown option keep;"):
        METHODS.options("forgetting", {"keep": 0.5})
