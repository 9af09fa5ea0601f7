"""Condenser options from `--option KEY=VALUE` (JSON) of the wrong kind: named, not a TypeError."""

import pytest

from spikeslim.condense.registry import METHODS
from spikeslim.errors import InvalidConfigError


@pytest.mark.parametrize("options, reason", [
    ({"lr": "x"}, "option lr='x' must be a finite number"), ({"lr": float("inf")}, "lr=inf must be a finite number"),
    ({"iterations": 2.5}, "iterations=2.5 must be an integer"), ({"sdr": 1}, "sdr=1 must be true or false"),
])
def test_condenser_options_of_the_wrong_kind_are_named(options, reason):
    with pytest.raises(InvalidConfigError, match=reason):
        METHODS.options("pace", options)
