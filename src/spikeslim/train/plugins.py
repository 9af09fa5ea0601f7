"""The one plug-in scheme of every method family (prune, condense, latency): options, run context, registry.

A method is one module exposing a frozen `Options` dataclass (its own hyper-parameters, with
their defaults) and `build(train, budget, options, run)`; its family's `Registry` names the
module in one line. Settings of the run that calls it (device, progress bars, seed, the run's
recipe) arrive as one `RunContext`, never as method options, so every method honours `--device`
alike and no options dict needs to carry them.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from spikeslim.errors import InvalidConfigError, UnknownNameError
from spikeslim.snn.models import ModelSpec
from spikeslim.train.config import TrainConfig

O = TypeVar("O")


@dataclass(frozen=True)
class RunContext:
    """What a method gets from the run that calls it rather than from its own options.

    `config` and `model` are the run's recipe and network (static pruning trains short proxy runs
    of them); `checkpoint` is a folder where a method keeps resumable state and caches, continued
    from when `resume` is set.
    """

    seed: int = 0
    device: str | None = None  # as `--device`: None picks CUDA where present
    progress: bool = True
    checkpoint: Path | None = None
    resume: bool = False
    config: TrainConfig | None = None
    model: ModelSpec | None = None


@dataclass(frozen=True)
class Registry:
    """One family's methods: name -> the module exposing `Options` and `build`.

    Modules are imported on first use, so listing methods stays fast and one method's heavy
    imports cannot break the others.
    """

    family: str  # "pruning method", "condense method": how errors name a method
    modules: Mapping[str, str]

    def names(self) -> list[str]:
        return list(self.modules)

    def module(self, name: str) -> types.ModuleType:
        if name not in self.modules:
            raise UnknownNameError(f"unknown {self.family} {name!r}; known methods: {', '.join(self.modules)}")
        return importlib.import_module(self.modules[name])

    def options(self, name: str, given: Mapping[str, Any]) -> Any:
        """Method `name`'s `Options` from a user's dict; checking it early fails before slow work."""
        return parse_options(self.module(name).Options, name, given)

    def build(self, name: str, train: Any, budget: Any, given: Mapping[str, Any], run: RunContext) -> Any:
        return self.module(name).build(train, budget, self.options(name, given), run)


def parse_options(cls: type[O], method: str, given: Mapping[str, Any]) -> O:
    """`given` (JSON values from `--option`, a set file or Python) as the frozen dataclass `cls`.

    Errors are one line naming the option: unknown names, values of the wrong type (checked
    against the field's annotation) and, through `cls.__post_init__`, values out of range.
    """
    fields = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
    unknown = sorted(set(given) - set(fields))
    if unknown:
        raise InvalidConfigError(f"{method}: unknown option{'s' * (len(unknown) > 1)} {', '.join(unknown)}; "
                                 f"known: {', '.join(sorted(fields)) or 'none'}")
    hints = typing.get_type_hints(cls)
    for name, value in given.items():
        if not _fits(value, hints[name]):
            raise InvalidConfigError(f"{method}: option {name}={value!r} must be {_kind(hints[name])}")
    return cls(**given)


def _fits(value: Any, hint: Any) -> bool:
    """Whether `value` has the annotated type; an int is a float, a bool is neither."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arm) for arm in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint in (int, float):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        return number and math.isfinite(value) and (isinstance(value, int) or hint is float)
    if hint is str:
        return isinstance(value, str)
    if origin is Callable:
        return callable(value)
    if isinstance(origin or hint, type):
        return isinstance(value, origin or hint)
    return True  # other forms (callables, protocols ...): the method checks the value


def _kind(hint: Any) -> str:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(_kind(arm) for arm in typing.get_args(hint))
    names = {bool: "true or false", int: "an integer", float: "a finite number", str: "a string",
             type(None): "null", dict: "a JSON object", list: "a list"}
    origin = typing.get_origin(hint) or hint
    return names.get(origin, "a function" if origin is Callable else getattr(origin, "__name__", str(origin)))
