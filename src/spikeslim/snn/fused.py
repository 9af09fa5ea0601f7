"""Compiled multi-step LIF: each time loop, forward and backward, as one kernel from one source.

Why: the eager fused neuron (`neurons._FusedLIF`) runs a few whole-tensor ops per time step, each
a pass over memory. Written here as pure tensor functions with the time loop unrolled,
`torch.compile` (Inductor) turns each into a single loop over the neurons that keeps every
neuron's membrane in registers: one read of each input, one write of each output, as C++ on CPU
and as Triton on CUDA. `neurons._FusedLIF` and `neurons._SpikesLIF` call these and keep their eager
code as the fallback.

Each kernel is traced once per configuration (constants, step count, which gradients arrive) into
its own `torch.fx` graph, so each has its own Dynamo cache (Dynamo stops recompiling one function
after 8 variants); the neuron count is dynamic, so batch and layer size do not recompile (a count
of 1 does, once). Compile time grows with the unrolled steps, so sequences longer than `BLOCK`
steps run backward as blocks of `BLOCK` steps carrying the gradient from block to block, and
forward on the eager path (see `forward`). On CPU the forward is memory-bound, so what it gains
comes from writing less: the spikes-only variant (`forward_spikes`, what the `LIF` layer runs)
writes the spikes and the last membrane alone, and its backward (`backward_recompute`)
recomputes v_pre from the saved input inside the kernel (benchmarks/bench_engine.py, LIF table).

Switch: `SPIKESLIM_COMPILE=0` in the environment (read at every call) uses the eager path. If a
kernel cannot be built (no C++ compiler, no Triton), one warning is given and the eager path is
used for the rest of the process.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import torch
from torch import Tensor

from spikeslim.snn.surrogates import Surrogate

BLOCK = 16  # most steps unrolled into one kernel: a cold compile takes ~0.35 s per step forward, ~0.2 backward

_kernels: dict[tuple, Callable[..., tuple[Tensor, ...]]] = {}
_broken: list[str] = []  # the first build failure, once one happened


class Dynamics(NamedTuple):
    """The neuron's constants as the kernels see them: h = a * v + b * x + c, then spike and reset."""

    a: float
    b: float
    c: float
    v_threshold: float
    v_reset: float
    soft_reset: bool
    detach_reset: bool


def available(x: Tensor) -> bool:
    """Whether the compiled kernels should run on x: switched on, a supported device, not already
    inside someone's torch.compile (which then traces the eager path itself), no failure yet."""
    return (os.environ.get("SPIKESLIM_COMPILE", "1") != "0" and not _broken and x.dtype.is_floating_point
            and x.numel() > 0 and x.device.type in ("cpu", "cuda") and not torch.compiler.is_compiling())


def _forward_steps(steps: int, d: Dynamics, states: bool = True) -> Callable[[Tensor, Tensor], tuple[Tensor, ...]]:
    """x[steps, N], v[N] -> spikes, v_pre, v_post [steps, N]; the eager path's arithmetic, per step.
    Without `states`: spikes [steps, N] and the last membrane [N], one output pass instead of three."""

    def kernel(x: Tensor, v: Tensor) -> tuple[Tensor, ...]:
        spikes, pre, post = _charge(x, v, steps, d)
        if not states:
            return torch.stack(spikes), post[-1]
        return torch.stack(spikes), torch.stack(pre), torch.stack(post)

    return kernel


def _charge(x: Tensor, v: Tensor, steps: int, d: Dynamics) -> tuple[list[Tensor], list[Tensor], list[Tensor]]:
    """The unrolled dynamics, step by step: spikes, v_pre and v_post as lists of [N]."""
    spikes, pre, post = [], [], []
    for t in range(steps):
        h = x[t] if d.b == 1.0 else x[t] * d.b
        h = h + d.c if d.c != 0.0 else h
        h = h + (v if d.a == 1.0 else v * d.a)
        s = (h >= d.v_threshold).to(h.dtype)
        if d.soft_reset:
            v = h - s * d.v_threshold
        else:
            v = h - (h if d.v_reset == 0.0 else h - d.v_reset) * s
        spikes.append(s)
        pre.append(h)
        post.append(v)
    return spikes, pre, post


def _backward_steps(steps: int, d: Dynamics, surrogate: Surrogate, temporal: bool, present: tuple[bool, bool, bool],
                    recompute: bool = False):
    """h[steps, N], carry[N] and the present ones of g_spikes, g_pre, g_post [steps, N] as a tuple
    -> (b * gh [steps, N], gh[0] [N]), with gh the gradient at h (see `neurons._eager_backward`);
    `carry` is gh of the step after the block (zeros after the last), unused when not `temporal`.
    With `recompute` the first two arguments are x[steps, N] and v0[N] of the whole sequence: h is
    recomputed in registers, so the forward need not have written it."""
    has_s, has_pre, has_post = present
    th = d.v_threshold

    def kernel(h_or_x: Tensor, carry_or_v0: Tensor, grads: tuple[Tensor, ...]) -> tuple[Tensor, Tensor]:
        index = [sum(present[:i]) for i in range(3)]
        g_s, g_pre, g_post = (grads[j] if p else None for j, p in zip(index, present))
        h = _charge(h_or_x, carry_or_v0, steps, d)[1] if recompute else h_or_x
        carry = torch.zeros_like(carry_or_v0) if recompute else carry_or_v0
        out: list[Tensor] = [carry] * steps
        later = carry
        for t in reversed(range(steps)):
            ht = h[t]
            sg = surrogate.grad(ht - th) if has_s or not d.detach_reset else None
            if d.soft_reset:
                dv_dh = None if d.detach_reset else 1 - th * sg
            else:
                dv_dh = (ht < th).to(ht.dtype)
                dv_dh = dv_dh if d.detach_reset else dv_dh + (d.v_reset - ht) * sg
            terms = [sg * g_s[t]] if has_s else []
            terms += [g_pre[t]] if has_pre else []
            dv = [g_post[t]] if has_post else []
            dv += [later * d.a] if temporal else []
            if dv:
                dv_sum = dv[0] if len(dv) == 1 else dv[0] + dv[1]
                terms.append(dv_sum if dv_dh is None else dv_sum * dv_dh)
            gh = terms[0]
            for term in terms[1:]:
                gh = gh + term
            out[t] = later = gh
        return torch.stack([g if d.b == 1.0 else g * d.b for g in out]), out[0]

    return kernel


def _compiled(key: tuple, build: Callable[[], Callable[..., tuple[Tensor, ...]]], *args: Tensor) -> tuple[Tensor, ...] | None:
    """Run the kernel for `key` (building it on first use); None, after one warning, if it cannot be built."""
    kernel = _kernels.get(key)
    if kernel is not None:
        return kernel(*args)
    try:
        with warnings.catch_warnings():  # torch's own deprecation notices while it first compiles
            warnings.simplefilter("ignore")
            kernel = torch.compile(torch.fx.symbolic_trace(build()), dynamic=True, fullgraph=True)
            result = kernel(*args)
    except Exception as err:  # no compiler, no Triton, an untraceable surrogate: the eager path is the same maths
        while err.__cause__ is not None:  # torch wraps the compiler's own error
            err = err.__cause__
        _broken.append(f"{type(err).__name__}: {(str(err).strip().splitlines() or [''])[0]}")
        warnings.warn(f"spikeslim: compiled LIF kernel unavailable ({_broken[0]}); using the eager path "
                      "(set SPIKESLIM_COMPILE=0 to skip the attempt)", RuntimeWarning)
        return None
    _kernels[key] = kernel
    return result


def _flat(x: Tensor) -> Tensor:
    """x[T, ...] as [T, N]. Detached, because that drops the view's base, on whose shape the
    compiled kernel would otherwise be specialised (one recompile per rank of x or per T)."""
    return x.view(x.shape[0], -1).detach()


def forward(x: Tensor, v0: Tensor, d: Dynamics) -> tuple[Tensor, Tensor, Tensor] | None:
    """spikes, v_pre, v_post for a contiguous x[T, ...] from v0 (broadcast to x[0]); None (use the
    eager path) if T > BLOCK or the kernel is unavailable. Not in blocks: on CPU, gluing blocks
    together costs more than the kernel saves (benchmarks/bench_engine.py, LIF table)."""
    steps = x.shape[0]
    if steps > BLOCK:
        return None
    out = _compiled(("forward", steps, d, x.dtype, x.device), partial(_forward_steps, steps, d), _flat(x), _flat_state(v0, x))
    return None if out is None else tuple(o.view(x.shape) for o in out)  # type: ignore[return-value]


def forward_spikes(x: Tensor, v0: Tensor, d: Dynamics) -> tuple[Tensor, Tensor] | None:
    """spikes [T, ...] and the last membrane [...] of x[T, ...] from v0 (broadcast to x[0]),
    without writing v_pre or v_post, for a call `recompute_ready` accepted; None (use the eager
    path) if the kernel is unavailable."""
    steps = x.shape[0]
    out = _compiled(("forward", steps, d, x.dtype, x.device, "spikes"), partial(_forward_steps, steps, d, False),
                    _flat(x), _flat_state(v0, x))
    return None if out is None else (out[0].view(x.shape), out[1].view(x.shape[1:]))


def backward_recompute(x: Tensor, v0: Tensor, g_spikes: Tensor, d: Dynamics, surrogate: Surrogate,
                       sltt: bool) -> tuple[Tensor, Tensor] | None:
    """(g_x, gh_0) for a spikes-only forward of x[T, ...] (T <= BLOCK) from v0, recomputing
    v_pre inside the kernel from the same source as the forward's (`_charge`); None if the
    kernel is unavailable (see `recompute_ready`, which callers ask first)."""
    out = _compiled(_recompute_key(x, d, surrogate, sltt), partial(_backward_steps, x.shape[0], d, surrogate,
                                                                   not sltt and d.a != 0.0, (True, False, False), True),
                    _flat(x), _flat_state(v0, x), (_flat(g_spikes.contiguous()),))
    return None if out is None else (out[0].view(x.shape), out[1].view(x.shape[1:]))


def recompute_ready(x: Tensor, d: Dynamics, surrogate: Surrogate, sltt: bool) -> bool:
    """Whether `backward_recompute` can run for x's configuration, building its kernel now (on a
    two-neuron dummy) if it is not built yet. Asked before the forward, so that a failed build
    leaves the whole call on the eager path: a backward never recomputes v_pre with other
    arithmetic than its forward's (near the threshold, other rounding means other spikes). No for
    T > BLOCK: a longer unrolled kernel would take long to compile, and those save v_pre."""
    if x.shape[0] > BLOCK:
        return False
    try:
        key = _recompute_key(x, d, surrogate, sltt)  # the kernels are cached by the surrogate
    except TypeError:
        return False
    if key in _kernels:
        return True
    dummy = x.detach().new_zeros(x.shape[0], 2)
    return backward_recompute(dummy, dummy.new_zeros(()), dummy, d, surrogate, sltt) is not None


def _recompute_key(x: Tensor, d: Dynamics, surrogate: Surrogate, sltt: bool) -> tuple:
    key = ("backward", x.shape[0], d, surrogate, not sltt and d.a != 0.0, (True, False, False), x.dtype, x.device,
           "recompute")
    hash(key)
    return key


def _flat_state(v0: Tensor, x: Tensor) -> Tensor:
    """v0 broadcast to one step of x, as a contiguous [N] (made when needed, never saved: a
    broadcast scalar would otherwise be held at the size of a whole step)."""
    return v0.detach().expand(x.shape[1:]).reshape(-1).contiguous()


def backward(h: Tensor, grads: tuple[Tensor | None, Tensor | None, Tensor | None], d: Dynamics,
             surrogate: Surrogate, sltt: bool) -> tuple[Tensor, Tensor] | None:
    """(g_x, gh_0) for the saved v_pre h[T, ...] and the incoming gradients (see `_backward_steps`);
    None (use the eager path) if the kernel is unavailable."""
    present = tuple(g is not None for g in grads)
    try:
        hash(surrogate)  # the kernels are cached by it
    except TypeError:
        return None
    if not any(present):
        return None
    steps = h.shape[0]
    given = [_flat(g.contiguous()) for g in grads if g is not None]
    flat_h, temporal = _flat(h), not sltt and d.a != 0.0
    carry = torch.zeros_like(flat_h[0])
    pieces = []
    for t0 in reversed(range(0, steps, BLOCK)):  # later blocks first, each passing gh of its first step on
        t1 = min(t0 + BLOCK, steps)
        key = ("backward", t1 - t0, d, surrogate, temporal, present, h.dtype, h.device)
        out = _compiled(key, partial(_backward_steps, t1 - t0, d, surrogate, temporal, present),
                        flat_h[t0:t1].detach(), carry, tuple(g[t0:t1].detach() for g in given))
        if out is None:
            return None
        pieces.append(out[0])
        carry = out[1]
    g_x = pieces[0] if len(pieces) == 1 else torch.cat(pieces[::-1])
    return g_x.view(h.shape), carry.view(h.shape[1:])
