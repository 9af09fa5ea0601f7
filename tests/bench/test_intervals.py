import numpy as np
import pytest

from spikeslim.bench.stats import Interval, binomial_se, paired_bootstrap


def test_bootstrap_finds_a_real_difference_and_its_sign():
    rng = np.random.default_rng(0)
    a = (rng.random((3, 2000)) < 0.80).astype(np.int8)
    b = (rng.random((3, 2000)) < 0.70).astype(np.int8)
    ci = paired_bootstrap(a, b, n_boot=500)
    assert ci.low < ci.diff < ci.high
    assert ci.significant and ci.low > 0.05
    flipped = paired_bootstrap(b, a, n_boot=500)
    assert flipped.high < 0 and flipped.significant


def test_bootstrap_of_identical_methods_is_not_significant():
    rng = np.random.default_rng(1)
    a = (rng.random((2, 300)) < 0.8).astype(np.int8)
    ci = paired_bootstrap(a, a.copy(), n_boot=200)
    assert ci.diff == 0 and not ci.significant


def test_bootstrap_interval_widens_with_fewer_test_samples():
    rng = np.random.default_rng(2)
    def width(n):
        a = (rng.random((2, n)) < 0.8).astype(np.int8)
        b = (rng.random((2, n)) < 0.75).astype(np.int8)
        ci = paired_bootstrap(a, b, n_boot=300)
        return ci.high - ci.low
    assert width(100) > 2 * width(2000)


def test_bootstrap_refuses_unpaired_runs():
    with pytest.raises(ValueError, match="equal shapes"):
        paired_bootstrap(np.ones((2, 10)), np.ones((3, 10)))


def test_interval_text_marks_significance():
    assert Interval(0.05, 0.01, 0.09).text().endswith("*")
    assert "*" not in Interval(0.01, -0.02, 0.04).text()


def test_binomial_se_of_100_recordings_is_about_4_points():
    assert binomial_se(0.8, 100) == pytest.approx(0.04)
    with pytest.raises(ValueError):
        binomial_se(0.8, 0)
