"""Run an exported graph in snnTorch, the independent NIR consumer the tests and benchmark check against.

snnTorch (an optional dependency: `pip install snntorch`, in the `test` extra) imports NIR with
a fixed step of 1e-4 s (`neurons.DEFAULT_DT`) and maps NIR's Flatten to `torch.nn.Flatten` with
the same dims, which in torch count the batch (NIR's do not): it runs one recording at a time
here, and its neurons' state is reset between recordings. docs/nir.md has the details.
"""

from __future__ import annotations

import contextlib
import io

import nir
import torch

from spikeslim.errors import ExportError


def run_in_snntorch(graph: nir.NIRGraph, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """snnTorch's outputs for x[T, B, C, H, W]: logits [T, B, classes] and each neuron layer's spikes [T, B, ...]."""
    try:
        import snntorch
        import snntorch.utils
        from snntorch.import_nir import import_from_nir
    except ImportError as err:
        raise ExportError(f"snnTorch is not installed (pip install snntorch nirtorch): {err}") from err
    with contextlib.redirect_stdout(io.StringIO()):  # it prints notes and whole parameter arrays
        net = import_from_nir(graph)
    neurons = [m for m in net.modules() if isinstance(m, snntorch.Leaky)]
    seen: list[torch.Tensor] = []
    hooks = [n.register_forward_hook(lambda _m, _i, out: seen.append(out)) for n in neurons]
    logits, spikes = [], []
    try:
        with torch.no_grad():
            for b in range(x.shape[1]):
                snntorch.utils.reset(net)
                for t in range(x.shape[0]):
                    out, _state = net(x[t, b:b + 1])
                    logits.append(out.reshape(-1))
    finally:
        for hook in hooks:
            hook.remove()
    T, B, L = x.shape[0], x.shape[1], len(neurons)
    for layer in range(L):  # `seen` runs recording by recording, step by step, layer by layer
        per_step = [seen[(b * T + t) * L + layer][0] for b in range(B) for t in range(T)]
        spikes.append(torch.stack(per_step).unflatten(0, (B, T)).transpose(0, 1))
    return torch.stack(logits).unflatten(0, (B, T)).transpose(0, 1), spikes
