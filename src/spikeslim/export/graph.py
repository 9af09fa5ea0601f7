"""A trained spikeslim CNN as a NIR graph, and back.

`to_nir` walks the model's `features` then its `classifier`, the order its forward runs them:
Conv2d (a following BatchNorm2d folded into its weights and bias) -> Conv2d node, LIF/IF ->
LIF/IF node (`export.neurons`), AvgPool2d -> AvgPool2d node, then Flatten and the readout as
Affine. Every node is one time step; the graph's output is the per-step logits. Any other layer
stops the export with an error naming it. `from_nir` rebuilds the `deploy` model from such a graph.
"""

from __future__ import annotations

from typing import Any, Sequence

import nir
import numpy as np
import torch
from torch import nn

from spikeslim import __version__
from spikeslim.errors import ExportError
from spikeslim.export.neurons import DEFAULT_DT, neuron_to_nir, nir_to_neuron
from spikeslim.snn.models.spiking_cnn import POOL, SpikingCNN
from spikeslim.snn.neurons import LIF, LIFParams

SUPPORTED = "Conv2d, BatchNorm2d after a Conv2d, LIF/IF, AvgPool2d, and a Linear readout"


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().astype(np.float32)


def fold_batch_norm(conv: nn.Conv2d, bn: nn.BatchNorm2d | None) -> tuple[np.ndarray, np.ndarray]:
    """(weight, bias) of `conv` followed by `bn` in eval mode as one convolution."""
    weight = conv.weight.detach().double()
    bias = conv.bias.detach().double() if conv.bias is not None else torch.zeros(weight.shape[0], dtype=torch.float64)
    if bn is not None:
        scale = bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)
        weight = weight * scale.view(-1, 1, 1, 1)
        bias = (bias - bn.running_mean.double()) * scale + bn.bias.detach().double()
    return _numpy(weight), _numpy(bias)


def _conv_node(conv: nn.Conv2d, bn: nn.BatchNorm2d | None, hw: Sequence[int], name: str) -> nir.Conv2d:
    if not isinstance(conv.padding, tuple) or conv.padding_mode != "zeros":
        raise ExportError(f"layer {name!r}: padding {conv.padding!r} ({conv.padding_mode}) has no NIR form; use zero padding")
    weight, bias = fold_batch_norm(conv, bn)
    return nir.Conv2d(input_shape=tuple(int(s) for s in hw), weight=weight, stride=conv.stride, padding=conv.padding,
                      dilation=conv.dilation, groups=conv.groups, bias=bias)


def _pair(value: int | Sequence[int]) -> tuple[int, ...]:
    return (int(value), int(value)) if isinstance(value, int) else tuple(int(v) for v in value)


def _pool_node(pool: nn.AvgPool2d, name: str) -> nir.AvgPool2d:
    if pool.ceil_mode or any(_pair(pool.padding)) or pool.divisor_override is not None:
        raise ExportError(f"layer {name!r}: average pooling with padding, ceil_mode or a divisor has no NIR form")
    return nir.AvgPool2d(kernel_size=np.array(_pair(pool.kernel_size)), stride=np.array(_pair(pool.stride)),
                         padding=np.array([0, 0]))


def _unsupported(name: str, layer: nn.Module) -> ExportError:
    kind = type(layer).__name__
    if isinstance(layer, nn.GroupNorm):
        why = "instance norm has no NIR node and cannot be folded (its statistics depend on the input); train --model deploy"
    elif isinstance(layer, nn.BatchNorm2d):
        why = "batch norm folds only into the convolution right before it"
    else:
        why = f"NIR export handles {SUPPORTED}"
    return ExportError(f"cannot export layer {name!r} ({kind}) to NIR: {why}")


def to_nir(model: nn.Module, in_shape: Sequence[int] | None = None, *, dt: float = DEFAULT_DT,
           metadata: dict[str, Any] | None = None) -> nir.NIRGraph:
    """The NIR graph of one time step of `model` for inputs `in_shape` = (C, H, W), `dt` seconds per step."""
    features, classifier = getattr(model, "features", None), getattr(model, "classifier", None)
    if features is None or not isinstance(classifier, nn.Linear):
        raise ExportError(f"model {type(model).__name__} is not a spikeslim CNN (features, Linear classifier); "
                          "export --model deploy")
    shape = tuple(int(s) for s in (in_shape if in_shape is not None else getattr(model, "in_shape", ())))
    if len(shape) != 3:
        raise ExportError(f"in_shape must be (channels, height, width), got {shape}")
    nodes: dict[str, nir.NIRNode] = {"input": nir.Input(input_type=np.array(shape))}
    pending: tuple[str, nn.Conv2d, nn.BatchNorm2d | None] | None = None  # a conv waiting for its batch norm

    def flush() -> None:
        nonlocal pending, shape
        if pending is not None:
            name, conv, bn = pending
            nodes[name.replace(".", "_")] = _conv_node(conv, bn, shape[1:], name)
            with torch.no_grad():
                shape = tuple(conv(torch.zeros(1, *shape)).shape[1:])
            pending = None

    for index, layer in enumerate(features):
        name = f"features.{index}"
        if isinstance(layer, nn.BatchNorm2d) and pending is not None and pending[2] is None and layer.track_running_stats:
            pending = (pending[0], pending[1], layer)
            continue
        if isinstance(layer, nn.Identity):
            continue
        flush()
        if isinstance(layer, nn.Conv2d):
            pending = (name, layer, None)
        elif isinstance(layer, LIF):
            nodes[name.replace(".", "_")] = neuron_to_nir(layer.params, shape, dt=dt, v0=layer.v0, name=name)
        elif isinstance(layer, nn.AvgPool2d):
            nodes[name.replace(".", "_")] = _pool_node(layer, name)
            with torch.no_grad():
                shape = tuple(layer(torch.zeros(1, *shape)).shape[1:])
        else:
            raise _unsupported(name, layer)
    flush()
    if not isinstance(model, SpikingCNN):
        raise ExportError(f"model {type(model).__name__}: only spikeslim's SpikingCNN models (deploy, convnet --norm "
                          "batch|none) export to NIR")
    nodes["flatten"] = nir.Flatten(input_type={"input": np.array(shape)}, start_dim=0, end_dim=-1)
    bias = classifier.bias if classifier.bias is not None else torch.zeros(classifier.out_features)
    nodes["classifier"] = nir.Affine(weight=_numpy(classifier.weight), bias=_numpy(bias))
    nodes["output"] = nir.Output(output_type=np.array([classifier.out_features]))
    names = list(nodes)
    meta = {"source": f"spikeslim {__version__}", "dt": float(dt), **(metadata or {})}
    return nir.NIRGraph(nodes=nodes, edges=list(zip(names[:-1], names[1:])), metadata=meta)


def _chain(graph: nir.NIRGraph) -> list[tuple[str, nir.NIRNode]]:
    """The graph's nodes from Input to Output; only a single path (a feed-forward chain) is accepted."""
    successors: dict[str, list[str]] = {}
    for src, dst in graph.edges:
        successors.setdefault(src, []).append(dst)
    starts = [k for k, n in graph.nodes.items() if isinstance(n, nir.Input)]
    if len(starts) != 1:
        raise ExportError(f"NIR graph has {len(starts)} Input nodes; from_nir rebuilds single-input chains")
    chain, name = [], starts[0]
    while True:
        chain.append((name, graph.nodes[name]))
        nxt = successors.get(name, [])
        if not nxt:
            return chain
        if len(nxt) > 1 or len(chain) > len(graph.nodes):
            raise ExportError(f"NIR graph branches or loops at node {name!r}; from_nir rebuilds feed-forward chains")
        name = nxt[0]


_KINDS: dict[type, str] = {nir.Input: "input", nir.Conv2d: "conv", nir.LIF: "neuron", nir.IF: "neuron",
                           nir.AvgPool2d: "pool", nir.Flatten: "flatten", nir.Affine: "readout",
                           nir.Linear: "readout", nir.Output: "output"}
_AFTER: dict[str, tuple[str, ...]] = {"input": ("",), "conv": ("input", "neuron", "pool"), "neuron": ("conv",),
                                      "pool": ("neuron",), "flatten": ("neuron", "pool"), "readout": ("flatten",),
                                      "output": ("readout",)}


def _conv_stride(name: str, node: nir.Conv2d) -> int:
    """The stride of a 3x3, padding-1 convolution (the only kind SpikingCNN builds), or an error."""
    stride = tuple(int(v) for v in np.atleast_1d(node.stride))
    ok = (tuple(node.weight.shape[-2:]) == (3, 3) and len(set(stride)) == 1
          and tuple(np.atleast_1d(node.padding)) in ((1,), (1, 1)) and tuple(np.atleast_1d(node.dilation)) in ((1,), (1, 1))
          and int(node.groups) == 1)
    if not ok:
        raise ExportError(f"node {name!r}: the deploy model's convolutions are 3x3, padding 1, one square stride, "
                          f"one group; got kernel {tuple(node.weight.shape[-2:])}, stride {node.stride}, "
                          f"padding {node.padding}")
    return stride[0]


def from_nir(graph: nir.NIRGraph, *, dt: float | None = None) -> SpikingCNN:
    """The `deploy` model (norm "none") computing `graph`; `dt` defaults to the graph's metadata, else 1e-4 s."""
    from spikeslim.snn.models import ModelSpec

    step = float(dt if dt is not None else graph.metadata.get("dt", DEFAULT_DT))
    plan: list[int | str | tuple[int, int]] = []  # convs (width or (width, stride)) and POOL markers
    convs: list[nir.Conv2d] = []
    neuron: LIFParams | None = None
    readout: nir.Affine | nir.Linear | None = None
    in_shape: tuple[int, ...] = ()
    last = ""  # kind of the previous node: the order conv -> neuron [-> pool] ... flatten -> readout
    for name, node in _chain(graph):
        kind = _KINDS.get(type(node))
        if kind is None:
            raise ExportError(f"node {name!r} ({type(node).__name__}): from_nir rebuilds {SUPPORTED}")
        if last not in _AFTER[kind]:
            raise ExportError(f"node {name!r} ({type(node).__name__}) cannot follow a {last or 'nothing'} node "
                              "in the deploy model (conv -> neuron [-> 2x2 pool], ..., flatten -> readout)")
        last = kind
        if kind == "input":
            in_shape = tuple(int(s) for s in node.input_type["input"])
        elif kind == "conv":
            stride = _conv_stride(name, node)
            convs.append(node)
            plan.append(int(node.weight.shape[0]) if stride == 1 else (int(node.weight.shape[0]), stride))
        elif kind == "neuron":
            params = nir_to_neuron(node, dt=step, name=name)
            if neuron is not None and params != neuron:
                raise ExportError(f"node {name!r}: neuron {params} differs from the first layer's {neuron}; "
                                  "the deploy model shares one neuron")
            neuron = params
        elif kind == "pool":
            if tuple(np.atleast_1d(node.kernel_size)) not in ((2,), (2, 2)) or tuple(np.atleast_1d(node.stride)) not in ((2,), (2, 2)):
                raise ExportError(f"node {name!r}: the deploy model pools 2x2 with stride 2")
            plan.append(POOL)
        elif kind == "readout":
            readout = node
    if readout is None or neuron is None or len(in_shape) != 3 or last != "output":
        raise ExportError("NIR graph is not a spiking CNN: it needs an Input [C, H, W], convolutions with neurons, "
                          "Flatten, an Affine readout and an Output")
    n_classes = int(readout.weight.shape[0])
    # initial weights are overwritten below; drawn from seed 0, they leave the global generator alone
    spec = ModelSpec("deploy", {"plan": plan, "norm": "none", "neuron": neuron._asdict()})
    model = spec.build(in_shape, n_classes, seed=0)
    model_convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        for conv, node in zip(model_convs, convs):
            conv.weight.copy_(torch.from_numpy(np.asarray(node.weight, dtype=np.float32)))
            conv.bias.copy_(torch.from_numpy(np.asarray(node.bias, dtype=np.float32)))
        if tuple(readout.weight.shape) != tuple(model.classifier.weight.shape):
            raise ExportError(f"readout weight {tuple(readout.weight.shape)} does not match the flattened features "
                              f"{tuple(model.classifier.weight.shape)}")
        model.classifier.weight.copy_(torch.from_numpy(np.asarray(readout.weight, dtype=np.float32)))
        bias = getattr(readout, "bias", None)
        model.classifier.bias.copy_(torch.from_numpy(np.asarray(bias, dtype=np.float32)) if bias is not None
                                    else torch.zeros(n_classes))
    return model.eval()
