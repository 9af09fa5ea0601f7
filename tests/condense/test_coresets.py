import numpy as np
import pytest

from spikeslim.condense.base import CondenseError
from spikeslim.condense.herding import herding_order
from spikeslim.condense.kcenter import kcenter_order
from spikeslim.condense.registry import METHODS, condense_set
from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.errors import InvalidConfigError
from spikeslim.train.plugins import RunContext


def _train(per_class=(5, 6, 4)) -> FrameSet:
    labels = np.repeat(np.arange(len(per_class)), per_class)
    rng = np.random.default_rng(1)
    frames = rng.integers(0, 4, size=(len(labels), 2, 2, 3, 3)).astype(np.uint8)
    return FrameSet(frames, labels, len(per_class), FrameSpec("toy", 2))


def test_random_returns_ipc_real_samples_per_class_with_their_labels():
    train = _train()
    out = condense_set("random", train, 3, run=RunContext())
    np.testing.assert_array_equal(out.labels, [0, 0, 0, 1, 1, 1, 2, 2, 2])
    idx = np.asarray(out.meta["indices"])
    assert len(np.unique(idx)) == 9
    np.testing.assert_array_equal(out.frames, train.frames[idx])
    np.testing.assert_array_equal(train.labels[idx], out.labels)
    assert out.meta["method"] == "random" and out.meta["ipc"] == 3


def test_random_depends_on_the_seed_only():
    train = _train((30, 30))
    a, b, c = (condense_set("random", train, 5, run=RunContext(seed=s)) for s in (0, 0, 1))
    assert a.meta["indices"] == b.meta["indices"] != c.meta["indices"]


def test_too_large_ipc_and_unknown_options_are_errors():
    with pytest.raises(CondenseError, match="ipc=5"):
        condense_set("random", _train(), 5, run=RunContext())
    with pytest.raises(InvalidConfigError, match="unknown option epoch;"):
        METHODS.options("herding", {"epoch": 3})


def test_herding_first_pick_is_nearest_the_mean_then_balances_it():
    feats = np.array([[0.0], [1.0], [5.0], [6.0], [10.0]])  # mean 4.4
    # 1st: 5 (|5-4.4| = 0.6); 2nd: x with (5+x)/2 nearest 4.4 -> 6 (5.5); 3rd: (11+x)/3 -> 1 (4.0)
    # k-center would take the far ends instead: herding tracks the mean, it does not cover.
    np.testing.assert_array_equal(herding_order(feats, 3), [2, 3, 1])
    assert sorted(herding_order(feats, 5)) == [0, 1, 2, 3, 4]


def test_kcenter_starts_central_then_takes_the_farthest_points():
    feats = np.array([[0.0], [1.0], [2.0], [10.0]])  # mean 3.25 -> nearest is 2
    np.testing.assert_array_equal(kcenter_order(feats, 3), [2, 3, 0])


def test_kcenter_never_repeats_a_pick_among_duplicates():
    feats = np.zeros((4, 3))
    assert sorted(kcenter_order(feats, 4)) == [0, 1, 2, 3]


@pytest.mark.parametrize("method", ["herding", "kcenter"])
def test_embedding_coresets_return_ipc_real_samples_per_class(method):
    labels = np.repeat(np.arange(3), 6)
    frames = np.random.default_rng(4).integers(0, 3, size=(18, 2, 2, 4, 4)).astype(np.uint8)
    train = FrameSet(frames, labels, 3, FrameSpec("toy", 2))
    options = {"epochs": 1, "batch_size": 8, "model_kwargs": {"width": 4, "depth": 1}}
    out = condense_set(method, train, 2, options=options, run=RunContext(progress=False))
    idx = np.asarray(out.meta["indices"])
    assert len(np.unique(idx)) == 6
    np.testing.assert_array_equal(out.frames, train.frames[idx])
    np.testing.assert_array_equal(train.labels[idx], [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(out.labels, [0, 0, 1, 1, 2, 2])
    assert out.meta["method"] == method and out.meta["options"]["epochs"] == 1
