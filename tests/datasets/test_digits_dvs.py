"""digits-dvs: scikit-learn's digits through the saccade simulator, with a fixed stratified split."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from spikeslim.datasets import digits_dvs
from spikeslim.datasets.registry import get_spec
from spikeslim.events.types import validate_events


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_spec_matches_the_documented_dataset():
    spec = get_spec("digits-dvs")
    assert spec.embedded and spec.n_classes == 10 and spec.default_T == 10
    assert tuple(spec.sensor_size) == (34, 34, 2)


def test_split_sizes_are_fixed_stratified_and_disjoint(digits):
    split = digits_dvs.split_indices(digits.target)
    assert {k: len(v) for k, v in split.items()} == {"train": 1437, "test": 360} == digits_dvs.SPLIT_SIZES
    assert np.intersect1d(split["train"], split["test"]).size == 0
    assert np.bincount(digits.target[split["test"]]).tolist() == [36] * 10
    assert np.all(np.bincount(digits.target[split["train"]]) >= 138)  # the rest of each class
    again = digits_dvs.split_indices(digits.target)
    np.testing.assert_array_equal(split["test"], again["test"])


def test_images_are_up_sampled_into_an_mnist_like_frame(digits):
    images = digits_dvs.digit_images(digits.images[:5])
    assert images.shape == (5, 28, 28)
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert np.all(images[:, :2] == 0) and np.all(images[:, :, -2:] == 0)  # the 2 px margin
    # Up-sampling keeps the digit's layout: the brightest 8x8 cell stays bright after scaling.
    r, c = np.unravel_index(np.argmax(digits.images[0]), (8, 8))
    assert images[0, 2 + 3 * r + 1, 2 + 3 * c + 1] > 0.5


def test_samples_are_deterministic_independent_of_batching_and_on_the_sensor(digits):
    first = list(digits_dvs.generate(digits.images, digits.target, np.array([3, 7])))
    alone = list(digits_dvs.generate(digits.images, digits.target, np.array([7])))
    np.testing.assert_array_equal(first[1][0], alone[0][0])
    assert [lab for _, lab in first] == [digits.target[3], digits.target[7]]
    for events, _ in first:
        validate_events(events, digits_dvs.SENSOR)
        assert np.all(np.diff(events["t"]) >= 0)
        assert 1_000 < len(events) < 20_000  # N-MNIST digits carry a few thousand events
        assert 0.3 < events["p"].mean() < 0.7
