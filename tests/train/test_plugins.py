"""The plug-in scheme: options parsed into a method's frozen dataclass with one-line errors."""

from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from spikeslim.errors import InvalidConfigError, UnknownNameError
from spikeslim.train.plugins import Registry, parse_options


@dataclass(frozen=True)
class Opts:
    lr: float = 0.1
    steps: int = 3
    on: bool = True
    name: str = "a"
    epochs: int | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    score: str | Callable[[int], int] = "x"

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise InvalidConfigError(f"m: steps must be positive, got {self.steps}")


def test_values_of_the_annotated_types_are_accepted():
    o = parse_options(Opts, "m", {"lr": 1, "steps": 2, "on": False, "epochs": 4, "kwargs": {"w": 1}, "score": abs})
    assert (o.lr, o.steps, o.on, o.epochs, o.kwargs, o.score) == (1, 2, False, 4, {"w": 1}, abs)
    assert parse_options(Opts, "m", {"epochs": None}) == Opts()


@pytest.mark.parametrize("given, reason", [
    ({"bogus": 1}, r"^m: unknown option bogus; known: epochs, kwargs, lr, name, on, score, steps$"),
    ({"b": 1, "a": 2}, r"^m: unknown options a, b;"),
    ({"lr": "x"}, r"^m: option lr='x' must be a finite number$"),
    ({"lr": float("nan")}, r"lr=nan must be a finite number"),
    ({"steps": 2.5}, r"steps=2.5 must be an integer$"),
    ({"steps": True}, r"steps=True must be an integer$"),
    ({"on": 1}, r"on=1 must be true or false$"),
    ({"name": 3}, r"name=3 must be a string$"),
    ({"epochs": "all"}, r"epochs='all' must be an integer or null$"),
    ({"kwargs": [1]}, r"kwargs=\[1\] must be a JSON object$"),
    ({"score": 3}, r"score=3 must be a string or a function$"),
    ({"steps": 0}, r"^m: steps must be positive, got 0$"),
])
def test_bad_options_are_one_line_errors_naming_the_option(given, reason):
    with pytest.raises(InvalidConfigError, match=reason) as err:
        parse_options(Opts, "m", given)
    assert "\n" not in str(err.value)


def test_a_registry_names_its_methods_and_refuses_others():
    methods = Registry("toy method", {"plugins": "spikeslim.train.plugins"})
    assert methods.names() == ["plugins"]
    with pytest.raises(UnknownNameError, match=r"^unknown toy method 'nope'; known methods: plugins$"):
        methods.options("nope", {})
