"""How many bytes the autograd graph holds for backward: the memory that grows with T in BPTT.

CPU PyTorch has no peak-allocation counter, so training memory is measured where it is spent:
every tensor autograd saves passes through `saved_tensors_hooks`; the meter adds its storage
on save and subtracts it when the graph lets go of it (after backward, or when dropped).
A tensor is counted once however often it is saved (a weight saved by every step, a fused
neuron's output that is also its saved state); a view counts its own elements only (one
step's slice of an input sequence).
"""

from __future__ import annotations

import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

import torch
from torch import Tensor


@dataclass
class SavedTensorMeter:
    """Live and peak bytes of distinct tensors saved for backward inside the block."""

    live_bytes: int = 0
    peak_bytes: int = 0
    _holders: dict[int, int] = field(default_factory=dict, repr=False)

    def _add(self, key: int, nbytes: int) -> None:
        self._holders[key] = self._holders.get(key, 0) + 1
        if self._holders[key] == 1:
            self.live_bytes += nbytes
            self.peak_bytes = max(self.peak_bytes, self.live_bytes)

    def _release(self, key: int, nbytes: int) -> None:
        self._holders[key] -= 1
        if self._holders[key] == 0:
            del self._holders[key]
            self.live_bytes -= nbytes


class _Saved:
    """The packed form of a saved tensor; its finalizer tells the meter the graph dropped it."""

    __slots__ = ("tensor", "__weakref__")

    def __init__(self, tensor: Tensor) -> None:
        self.tensor = tensor


@contextmanager
def track_saved_tensors() -> Iterator[SavedTensorMeter]:
    """Measure saved-for-backward memory of every graph built inside the block."""
    meter = SavedTensorMeter()

    def pack(tensor: Tensor) -> _Saved:
        key, nbytes = tensor.data_ptr(), tensor.numel() * tensor.element_size()
        box = _Saved(tensor)
        meter._add(key, nbytes)
        weakref.finalize(box, meter._release, key, nbytes)
        return box

    def unpack(box: _Saved) -> Tensor:
        return box.tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        yield meter
