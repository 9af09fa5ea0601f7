"""spikeslim.prune: per-epoch data pruning samplers (SADP and baselines) behind one interface."""

from spikeslim.prune.registry import Pruning, build_sampler, names

__all__ = ["Pruning", "build_sampler", "names"]
