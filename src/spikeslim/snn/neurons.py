"""Multi-step LIF / IF neurons over [T, B, ...]: typed parameters, pure dynamics, a thin module.

Dynamics (SpikingJelly's conventions), with k = 1/tau:
    decay_input:      h_t = v_{t-1} + (x_t - (v_{t-1} - v_reset)) * k
    no decay_input:   h_t = v_{t-1} - (v_{t-1} - v_reset) * k + x_t
    IF (tau=None):    h_t = v_{t-1} + x_t
    s_t = H(h_t - v_threshold)
    hard reset:       v_t = h_t * (1 - s_t) + v_reset * s_t
    soft reset:       v_t = h_t - v_threshold * s_t
All three charge rules are h_t = a * v_{t-1} + b * x_t + c, which is what the fused path uses.

`lif_multistep` is the fast path: one autograd node for the whole sequence, forward over T and a
hand-written backward through time, so the graph does not grow with T; each time loop runs as
one compiled kernel (`snn.fused`, off with SPIKESLIM_COMPILE=0) or else as eager in-place ops.
`lif_spikes`, what the `LIF` layer runs, is the same node without the per-step states.
`lif_multistep_loop` is the plain autograd reference it is tested (and benchmarked) against.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from spikeslim.snn import fused
from spikeslim.snn.surrogates import ATan, Surrogate


class LIFParams(NamedTuple):
    """Neuron constants. tau=None makes an IF neuron (no leak)."""

    tau: float | None = 2.0
    v_threshold: float = 1.0
    v_reset: float = 0.0
    soft_reset: bool = False
    detach_reset: bool = True
    decay_input: bool = True


class LIFOutput(NamedTuple):
    """Per-step spikes, membrane before the spike (v_pre) and residual after reset (v_post)."""

    spikes: Tensor
    v_pre: Tensor
    v_post: Tensor


def charge_coefficients(params: LIFParams) -> tuple[float, float, float]:
    """(a, b, c) with h_t = a * v_{t-1} + b * x_t + c for the given charge rule."""
    if params.tau is None:
        return 1.0, 1.0, 0.0
    if params.tau <= 0:
        raise ValueError(f"tau must be positive (or None for IF), got {params.tau}")
    k = 1.0 / params.tau
    return 1.0 - k, (k if params.decay_input else 1.0), k * params.v_reset


def lif_step(x: Tensor, v: Tensor | float, params: LIFParams, surrogate: Surrogate) -> LIFOutput:
    """One time step written the plain way; autograd differentiates it. Returns (s, h, v_new)."""
    if params.tau is None:
        h = v + x
    elif params.decay_input:
        h = v + (x - (v - params.v_reset)) / params.tau
    else:
        h = v - (v - params.v_reset) / params.tau + x
    s = surrogate.spike(h - params.v_threshold)
    r = s.detach() if params.detach_reset else s
    if params.soft_reset:
        v_new = h - r * params.v_threshold
    else:
        v_new = h * (1 - r) + params.v_reset * r
    return LIFOutput(s, h, v_new)


def lif_multistep_loop(
    x: Tensor, params: LIFParams, surrogate: Surrogate, v0: Tensor | float | None = None, *, sltt: bool = False
) -> LIFOutput:
    """Reference: a Python loop of `lif_step` under autograd. `sltt` cuts the temporal gradient."""
    v: Tensor | float = params.v_reset if v0 is None else v0
    outs = []
    for t in range(x.shape[0]):
        out = lif_step(x[t], v, params, surrogate)
        v = out.v_post.detach() if sltt else out.v_post
        outs.append(out)
    return LIFOutput(*(torch.stack(seq) for seq in zip(*outs)))


class _FusedLIF(torch.autograd.Function):
    """The whole sequence as one autograd node. Saves only v_pre; recomputes the rest in backward.

    Runs the compiled kernels of `snn.fused` where they are available, else the eager code below:
    few passes and few whole-sequence temporaries (big CPU allocations cost a page fault per
    page on first touch): the forward writes each step straight into its three outputs with
    three ops, the backward reuses the surrogate-gradient buffer as the gradient. Measured
    against autograd through the plain loop and SpikingJelly in benchmarks/bench_engine.py.
    """

    @staticmethod
    def forward(ctx: Any, x: Tensor, v0: Tensor, params: LIFParams, surrogate: Surrogate, sltt: bool) -> tuple[Tensor, Tensor, Tensor]:
        d = dynamics(params)
        out = fused.forward(x, v0, d) if fused.available(x) else None
        spikes, v_pre, v_post = out or _eager_forward(x, v0, d)
        ctx.save_for_backward(v_pre)
        ctx.dynamics, ctx.surrogate, ctx.sltt = d, surrogate, sltt
        ctx.v0_shape = v0.shape
        ctx.set_materialize_grads(False)
        return spikes, v_pre, v_post

    @staticmethod
    def backward(ctx: Any, g_spikes: Tensor | None, g_pre: Tensor | None, g_post: Tensor | None) -> tuple[Tensor | None, ...]:
        if torch.is_grad_enabled():  # create_graph=True: a second derivative would silently miss h's terms
            raise RuntimeError("lif_multistep's fused backward cannot be differentiated again; "
                               "use lif_multistep_loop for double backward (as condense.dc does)")
        (h,) = ctx.saved_tensors
        return _input_grads(ctx, *_backward_from_v_pre(h, (g_spikes, g_pre, g_post), ctx))


def _backward_from_v_pre(h: Tensor, grads: tuple[Tensor | None, ...], ctx: Any) -> tuple[Tensor, Tensor]:
    """(g_x, gh_0) from the saved v_pre: the compiled kernels where available, else the eager loop."""
    out = fused.backward(h, grads, ctx.dynamics, ctx.surrogate, ctx.sltt) if fused.available(h) else None
    return out or _eager_backward(h, grads, ctx.dynamics, ctx.surrogate, ctx.sltt)


def _input_grads(ctx: Any, g_x: Tensor, gh0: Tensor) -> tuple[Tensor | None, ...]:
    """The gradients `apply`'s inputs (x, v0, params, surrogate, sltt) asked for."""
    g_v0 = _sum_to_shape(gh0 * ctx.dynamics.a, ctx.v0_shape) if ctx.needs_input_grad[1] else None
    return (g_x if ctx.needs_input_grad[0] else None), g_v0, None, None, None


class _SpikesLIF(torch.autograd.Function):
    """The same neuron for callers that need only the spikes (the `LIF` layer): from a scalar start,
    the compiled forward writes spikes and the last membrane alone, and saves x rather than v_pre;
    the backward kernel recomputes v_pre from the same source. Two passes over memory fewer in the
    forward, the same gradients. The last membrane is marked non-differentiable. Other starts (a
    per-neuron one would be held beside x), sequences longer than `fused.BLOCK` and the eager path
    save v_pre, as `_FusedLIF` does."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, v0: Tensor, params: LIFParams, surrogate: Surrogate, sltt: bool) -> tuple[Tensor, Tensor]:
        d = dynamics(params)
        recompute = fused.available(x) and v0.numel() == 1 and fused.recompute_ready(x, d, surrogate, sltt)
        out = fused.forward_spikes(x, v0, d) if recompute else None
        if out is not None:
            spikes, v_last = out
            ctx.save_for_backward(x, v0)
        else:
            states = fused.forward(x, v0, d) if fused.available(x) else None
            if states is not None:
                spikes, v_pre, v_post = states
                v_last = v_post[-1].clone()  # a view would pin all T steps
            else:
                spikes, v_pre, v_last = _eager_forward(x, v0, d, every_v_post=False)
            ctx.save_for_backward(v_pre)
        ctx.recomputes = out is not None
        ctx.dynamics, ctx.surrogate, ctx.sltt, ctx.v0_shape = d, surrogate, sltt, v0.shape
        ctx.mark_non_differentiable(v_last)
        ctx.set_materialize_grads(False)
        return spikes, v_last

    @staticmethod
    def backward(ctx: Any, g_spikes: Tensor | None, _g_last: None) -> tuple[Tensor | None, ...]:
        if torch.is_grad_enabled():
            raise RuntimeError("lif_spikes' fused backward cannot be differentiated again; use lif_multistep_loop")
        if g_spikes is None:
            return None, None, None, None, None
        if not ctx.recomputes:
            (h,) = ctx.saved_tensors
            return _input_grads(ctx, *_backward_from_v_pre(h, (g_spikes, None, None), ctx))
        x, v0 = ctx.saved_tensors  # its kernel was built before the forward ran (`fused.recompute_ready`)
        out = fused.backward_recompute(x, v0, g_spikes, ctx.dynamics, ctx.surrogate, ctx.sltt)
        assert out is not None
        return _input_grads(ctx, *out)


def dynamics(params: LIFParams) -> fused.Dynamics:
    """The constants the kernels need, charge rule folded into (a, b, c)."""
    a, b, c = charge_coefficients(params)
    return fused.Dynamics(a, b, c, params.v_threshold, params.v_reset, params.soft_reset, params.detach_reset)


def _eager_forward(x: Tensor, v0: Tensor, d: fused.Dynamics, every_v_post: bool = True) -> tuple[Tensor, Tensor, Tensor]:
    """The forward as three in-place ops per step (the fallback of the compiled kernel). Without
    `every_v_post` the third output is only the last membrane, kept in one step-sized buffer."""
    th = d.v_threshold
    v_pre = torch.mul(x, d.b)
    if d.c != 0.0:
        v_pre.add_(d.c)
    spikes = torch.empty_like(v_pre)
    v_post = torch.empty_like(v_pre) if every_v_post else torch.empty_like(v_pre[0])

    # the reset rule, chosen once rather than tested at every step; a hard reset is
    # h - (h - v_reset) * s, one fused op (torch.where is ~7x slower on CPU)
    if d.soft_reset:
        reset = lambda h, s, out: torch.sub(h, s, alpha=th, out=out)  # noqa: E731
    elif d.v_reset == 0.0:
        reset = lambda h, s, out: torch.addcmul(h, h, s, value=-1, out=out)  # noqa: E731
    else:
        reset = lambda h, s, out: torch.addcmul(h, h - d.v_reset, s, value=-1, out=out)  # noqa: E731

    v = v0
    for t in range(x.shape[0]):
        h, s = v_pre[t].add_(v, alpha=d.a), spikes[t]
        torch.ge(h, th, out=s)  # straight into float: no bool tensor, no cast
        v = reset(h, s, v_post[t] if every_v_post else v_post)
    return spikes, v_pre, v_post


def _eager_backward(h: Tensor, grads: tuple[Tensor | None, ...], d: fused.Dynamics, surrogate: Surrogate, sltt: bool) -> tuple[Tensor, Tensor]:
    """(g_x, gh_0): gh_t = g_pre_t + g_spike_t * sg_t + dv_t/dh_t * (g_post_t + a * gh_{t+1}), t = T-1..0.

    The non-temporal terms are whole-sequence ops; only the recurrence is a loop over t.
    """
    g_spikes, g_pre, g_post = grads
    th = d.v_threshold
    sg = surrogate.grad(h - th) if g_spikes is not None or not d.detach_reset else None
    # dv_t/dh_t, the reset's dependence on h: None means 1 (a detached soft reset)
    if d.soft_reset:
        dv_dh = None if d.detach_reset else 1 - th * sg
    else:
        dv_dh = torch.lt(h, th, out=torch.empty_like(h))
        if not d.detach_reset:
            dv_dh.addcmul_(d.v_reset - h, sg)
    gh = sg.mul_(g_spikes) if g_spikes is not None else torch.zeros_like(h)  # dv_dh no longer needs sg
    if g_pre is not None:
        gh.add_(g_pre)
    if g_post is not None and dv_dh is None:
        gh.add_(g_post)
    elif g_post is not None:
        gh.addcmul_(g_post, dv_dh)
    if not sltt and d.a != 0.0:
        for t in range(h.shape[0] - 2, -1, -1):
            if dv_dh is None:
                gh[t].add_(gh[t + 1], alpha=d.a)
            else:
                gh[t].addcmul_(gh[t + 1], dv_dh[t], value=d.a)
    gh0 = gh[0].clone()
    return gh.mul_(d.b), gh0


def _sum_to_shape(g: Tensor, shape: torch.Size) -> Tensor:
    """Reduce a broadcast gradient back to the shape of the tensor that was broadcast."""
    while g.dim() > len(shape):
        g = g.sum(0)
    for dim, size in enumerate(shape):
        if size == 1 and g.shape[dim] != 1:
            g = g.sum(dim, keepdim=True)
    return g


def lif_multistep(
    x: Tensor, params: LIFParams, surrogate: Surrogate, v0: Tensor | float | None = None, *, sltt: bool = False
) -> LIFOutput:
    """Run the neuron over x[T, ...]. v0 (default v_reset) may be a float or a broadcastable tensor.

    With `sltt=True` (spatial learning through time) no gradient flows along the membrane from
    one step to the next: the gradient `snn.online` computes one step at a time, memory
    constant in T (a whole-sequence call still holds v_pre for all T steps).
    """
    if x.dim() < 1 or x.shape[0] == 0:
        raise ValueError(f"lif_multistep expects x[T, ...] with T >= 1, got shape {tuple(x.shape)}")
    v0_t = torch.as_tensor(params.v_reset if v0 is None else v0, dtype=x.dtype, device=x.device)
    return LIFOutput(*_FusedLIF.apply(x.contiguous(), v0_t, params, surrogate, sltt))


def lif_spikes(
    x: Tensor, params: LIFParams, surrogate: Surrogate, v0: Tensor | float | None = None, *, sltt: bool = False
) -> tuple[Tensor, Tensor]:
    """Spikes of the neuron over x[T, ...] and its last membrane (no gradient), without the
    per-step states: `lif_multistep`'s spikes and gradients at less memory traffic."""
    if x.dim() < 1 or x.shape[0] == 0:
        raise ValueError(f"lif_spikes expects x[T, ...] with T >= 1, got shape {tuple(x.shape)}")
    v0_t = torch.as_tensor(params.v_reset if v0 is None else v0, dtype=x.dtype, device=x.device)
    spikes, v_last = _SpikesLIF.apply(x.contiguous(), v0_t, params, surrogate, sltt)
    return spikes, v_last


class LIF(nn.Module):
    """Multi-step spiking neuron layer: [T, B, ...] currents in, [T, B, ...] spikes out.

    `record_states` (snn.record) sets `recorder` to collect the full LIFOutput of every call;
    `snn.online` sets `carry_state` so successive calls continue from the last membrane.
    """

    def __init__(
        self,
        params: LIFParams = LIFParams(),
        surrogate: Surrogate = ATan(),
        sltt: bool = False,
        v0: float | None = None,
    ) -> None:
        super().__init__()
        self.params, self.surrogate, self.sltt, self.v0 = params, surrogate, sltt, v0
        self.recorder: list[LIFOutput] | None = None
        self.carry_state = False
        self.state: Tensor | None = None

    def forward(self, x: Tensor) -> Tensor:
        v0: Tensor | float | None = self.v0
        if self.carry_state and self.state is not None:
            v0 = self.state
        if self.recorder is None:  # the states are not wanted: the cheaper path
            spikes, v_last = lif_spikes(x, self.params, self.surrogate, v0, sltt=self.sltt)
            if self.carry_state:
                self.state = v_last
            return spikes
        out = lif_multistep(x, self.params, self.surrogate, v0, sltt=self.sltt)
        if self.carry_state:
            self.state = out.v_post[-1].detach().clone()  # a view would pin all T steps
        self.recorder.append(out)
        return out.spikes

    def extra_repr(self) -> str:
        return f"{self.params}, surrogate={self.surrogate}, sltt={self.sltt}, v0={self.v0}"
