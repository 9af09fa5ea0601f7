"""spikeslim.prune: per-epoch data pruning samplers (SADP and baselines) behind one interface."""

from spikeslim.prune.base import Sampler
from spikeslim.prune.registry import build_sampler, names

__all__ = ["Sampler", "build_sampler", "names"]
