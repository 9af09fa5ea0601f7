"""The condenser registry: one line per method, naming the module whose `build(**options)` makes it.

Modules are imported on first use, so listing methods stays fast and one method's heavy imports
cannot break the others. Adding a method = one new module exposing `build` + one line here.
"""

from __future__ import annotations

import importlib
from typing import Any

from spikeslim.condense.base import Condenser
from spikeslim.errors import UnknownNameError

_MODULES: dict[str, str] = {
    "pace": "spikeslim.condense.pace.method",
    "dm": "spikeslim.condense.dm",
    "dc": "spikeslim.condense.dc",
    "idm": "spikeslim.condense.idm",
    "random": "spikeslim.condense.random_select",
    "herding": "spikeslim.condense.herding",
    "kcenter": "spikeslim.condense.kcenter",
    "forgetting": "spikeslim.condense.forgetting",
}


def names() -> list[str]:
    return list(_MODULES)


def build_condenser(name: str, **options: Any) -> Condenser:
    """Build method `name` with its options (unknown options raise a CondenseError naming them)."""
    if name not in _MODULES:
        raise UnknownNameError(f"unknown condense method {name!r}; known methods: {', '.join(_MODULES)}")
    return importlib.import_module(_MODULES[name]).build(**options)
