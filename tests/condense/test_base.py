import numpy as np
import pytest

from spikeslim.condense import base, registry
from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.errors import UnknownNameError
from spikeslim.train.plugins import RunContext


def _toy(n_per_class=(3, 4), T=2, H=4, W=4, seed=0) -> FrameSet:
    rng = np.random.default_rng(seed)
    labels = np.concatenate([np.full(n, c) for c, n in enumerate(n_per_class)]).astype(np.int64)
    frames = rng.integers(0, 5, size=(len(labels), T, 2, H, W)).astype(np.uint8)
    return FrameSet(frames, labels, len(n_per_class), FrameSpec("toy", T))


def test_init_from_real_copies_samples_of_the_right_class():
    train = _toy()
    frames = base.init_frames(train, 2, np.random.default_rng(1))
    assert frames.shape == (4, 2, 2, 4, 4) and frames.dtype == np.float32
    labels = base.class_major_labels(2, 2)
    for f, y in zip(frames, labels):
        matches = [i for i in range(len(train)) if np.array_equal(train.frames[i], f)]
        assert matches and all(train.labels[i] == y for i in matches)


def test_noise_init_keeps_event_density_and_is_integer():
    train = _toy(n_per_class=(50, 50))
    frames = base.init_frames(train, 20, np.random.default_rng(0), init="noise")
    assert np.all(frames == np.round(frames)) and frames.min() >= 0
    assert abs(frames.mean() - train.frames.mean()) < 0.2


def test_ipc_larger_than_a_class_is_a_clear_error():
    with pytest.raises(base.CondenseError, match=r"classes \[0\]"):
        base.check_ipc(_toy(), 4)
    with pytest.raises(base.CondenseError, match="positive"):
        base.check_ipc(_toy(), 0)


def test_class_batches_draw_only_the_asked_class():
    train = _toy(n_per_class=(3, 5))
    batches = base.ClassBatches(train)
    got = batches.draw(1, 10, np.random.default_rng(0))
    assert len(got) == 5
    expected = {train.frames[i].tobytes() for i in range(3, 8)}
    assert {g.tobytes() for g in got} == expected


def test_condensed_set_rejects_fractional_counts_and_records_meta():
    train = _toy()
    labels = base.class_major_labels(2, 1)
    out = base.condensed_set(train, np.ones((2, 2, 2, 4, 4)) * 300, labels, method="m",
                             options={"a": 1}, timings={"total": 1.23456}, ipc=1, seed=3)
    assert out.frames.dtype == np.uint16 and out.meta["method"] == "m" and out.spec == train.spec
    with pytest.raises(base.CondenseError):
        base.condensed_set(train, np.full((2, 2, 2, 4, 4), 0.5), labels, method="m", options={},
                           timings={}, ipc=1, seed=0)


def test_registry_names_every_method_and_rejects_unknown():
    assert set(registry.METHODS.names()) >= {"pace", "dm", "dc", "random", "herding", "kcenter", "forgetting"}
    with pytest.raises(UnknownNameError, match="known methods"):
        registry.METHODS.options("nope", {})


@pytest.mark.parametrize("method", base.CORESET_INITS)
def test_coreset_init_starts_from_that_coresets_selection(method):
    train = _toy(n_per_class=(6, 6), H=8, W=8)
    frames = base.init_frames(train, 2, np.random.default_rng(3), init=method, device="cpu")
    run = RunContext(seed=int(np.random.default_rng(3).integers(2**31)), device="cpu", progress=False)
    chosen = registry.condense_set(method, train, 2, run=run)
    np.testing.assert_array_equal(frames, chosen.frames.astype(np.float32))
    assert frames.shape == (4, 2, 2, 8, 8)


def test_unknown_init_names_the_choices():
    with pytest.raises(base.CondenseError, match="herding"):
        base.init_frames(_toy(), 1, np.random.default_rng(0), init="kmeans")
