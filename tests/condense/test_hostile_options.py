"""Condenser options from `--option KEY=VALUE` (JSON) of the wrong kind: named, not a TypeError."""

import pytest

from spikeslim.condense.registry import METHODS
from spikeslim.errors import InvalidConfigError, SpikeslimError


@pytest.mark.parametrize("options, reason", [
    ({"lr": "x"}, "option lr='x' must be a finite number"), ({"lr": float("inf")}, "lr=inf must be a finite number"),
    ({"iterations": 2.5}, "iterations=2.5 must be an integer"), ({"sdr": 1}, "sdr=1 must be true or false"),
])
def test_condenser_options_of_the_wrong_kind_are_named(options, reason):
    with pytest.raises(InvalidConfigError, match=reason):
        METHODS.options("pace", options)


@pytest.mark.parametrize("method, options, reason", [
    ("herding", {"model": "nope"}, "unknown model 'nope'"), ("kcenter", {"epochs": 0}, "proxy: epochs"),
    ("forgetting", {"lr": 0.0}, "lr positive"), ("herding", {"batch_size": 0}, "batch_size"),
    ("dm", {"model": "nope"}, "unknown model 'nope'"), ("dc", {"width": 0}, "dc: width and depth"),
    ("pace", {"depth": -1}, "pace: width and depth"), ("pace", {"optimizer": "sgd"}, "pace: optimizer 'sgd'"), ("idm", {"model": "nope"}, "unknown model 'nope'"),
])
def test_options_naming_a_network_are_checked_at_option_time(method, options, reason):
    with pytest.raises(SpikeslimError, match=reason):
        METHODS.options(method, options)
