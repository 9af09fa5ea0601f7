import pytest

from spikeslim.errors import InvalidConfigError, UnknownNameError
from spikeslim.latency import direct, hsd, tet
from spikeslim.latency.registry import METHODS, train_for_steps
from spikeslim.train.plugins import RunContext


def test_the_registry_lists_the_three_methods():
    assert METHODS.names() == ["direct", "tet", "hsd"]
    assert [METHODS.module(n) for n in METHODS.names()] == [direct, tet, hsd]


def test_options_parse_from_json_values():
    options = METHODS.options("hsd", {"channels": [4, 8], "alpha": 0, "teacher": "snn", "fold_bn": True})
    assert options == hsd.Options(channels=(4, 8), alpha=0.0, teacher="snn", fold_bn=True)
    assert METHODS.options("tet", {"tet_lambda": 0.25}).tet_lambda == 0.25


@pytest.mark.parametrize("method, given, message", [
    ("direct", {"alpha": 1.0}, "direct: unknown option alpha; known: bound, channels"),
    ("tet", {"epochs": 3}, "tet: unknown option epochs; known: bound, channels, tet_lambda"),
    ("hsd", {"alpha": "high"}, "hsd: option alpha='high' must be a finite number"),
    ("hsd", {"student_epochs": 2.5}, "hsd: option student_epochs=2.5 must be an integer"),
    ("hsd", {"channels": 8}, "hsd: option channels=8 must be a list or tuple"),
    ("direct", {"channels": [8, 0]}, r"option channels=\[8, 0\] must be a non-empty list of positive integers"),
    ("tet", {"tet_lambda": 2.0}, r"tet: option tet_lambda=2.0 must lie in \[0, 1\]"),
    ("hsd", {"teacher": "cnn"}, "hsd: teacher 'cnn' is not one of ann, snn"),
])
def test_bad_options_are_one_line_errors_naming_the_option(method, given, message):
    with pytest.raises(InvalidConfigError, match=f"^{message}") as err:
        METHODS.options(method, given)
    assert "\n" not in str(err.value)


def test_unknown_methods_and_steps_beyond_the_frames_are_refused_before_training(halves):
    run = RunContext(device="cpu", progress=False)
    with pytest.raises(UnknownNameError, match="unknown latency method 'qcfs'; known methods: direct, tet, hsd"):
        train_for_steps("qcfs", halves[0], (1,), run=run)
    for steps in ((1, 8), ()):
        with pytest.raises(InvalidConfigError, match=r"--steps .*each must lie in 1\.\.4"):
            train_for_steps("direct", halves[0], steps, run=run)
