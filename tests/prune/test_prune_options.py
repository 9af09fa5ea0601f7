"""Pruning options out of range fail when they are given, in one line naming the value."""

import pytest

from spikeslim.errors import SpikeslimError
from spikeslim.prune.registry import METHODS


@pytest.mark.parametrize("method, options, reason", [
    ("el2n", {"n_proxies": 0}, "n_proxies >= 1"), ("grand", {"score_epochs": -1}, "score epochs >= 0"),
    ("forgetting", {"n_proxies": 0}, "n_proxies >= 1"), ("random", {"anneal": 1.0}, "anneal"),
    ("infobatch", {"anneal": -0.1}, "anneal"), ("infobatch", {"max_prune": 1.0}, "max_prune"),
    ("sadp", {"smoothing": 0.0}, "smoothing"), ("sadp", {"anneal": 2.0}, "anneal"),
    ("sadp", {"score": "nope"}, "unknown score 'nope'"), ("sadp", {"depth_weight": -1.0}, "depth_weight"),
])
def test_out_of_range_options_fail_at_option_time(method, options, reason):
    with pytest.raises(SpikeslimError, match=reason):
        METHODS.options(method, options)


@pytest.mark.parametrize("method", ["el2n", "grand", "forgetting", "random", "infobatch", "sadp"])
def test_defaults_are_in_range(method):
    """An empty option dict gives the method's defaults, which pass its own range checks."""
    options = METHODS.options(method, {})
    assert options == type(options)()
