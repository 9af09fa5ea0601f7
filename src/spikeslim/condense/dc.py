"""DC, dataset condensation by gradient matching (Zhao, Mopuri & Bilen, 2021), on spiking networks.

Per outer iteration a fresh network is drawn; then, `outer_loop` times: for every class, the
gradient of the loss on a real batch and on the class's synthetic samples are compared layer by
layer (1 - cosine per output unit, summed; 1-D parameters skipped, as in DC) and the synthetic
frames take one step; between steps the network trains `inner_steps` steps on the synthetic set.
Matching differentiates the weight gradient once more, through the surrogate spike function;
the fused LIF's hand-written backward cannot be differentiated, so DC's networks run their
neurons through the plain autograd loop (same dynamics and surrogate, slower).
With `augment` (on, as DSA runs DC) each outer step shifts a class's real batch and its synthetic
samples alike (`matching.paired_batch`). Frames are continuous counts while optimised (no
PEQ-N), rounded when saved (stochastically, or to the nearest count with `export_rounding`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import torch
import torch.nn.functional as F

from spikeslim.condense.base import CondenseError, class_major_labels
from spikeslim.condense.matching import check_network, fresh_net, network, paired_batch, syn_input
from spikeslim.condense.synthetic import LoopSettings, StepContext, checked_loop, run_distillation
from spikeslim.datasets.base import FrameSet
from spikeslim.snn.neurons import LIF, lif_multistep_loop
from spikeslim.train.data import to_input
from spikeslim.train.plugins import RunContext


@dataclass(frozen=True)
class Options:
    iterations: int = 20  # fresh networks
    outer_loop: int = 5  # synthetic updates per network
    inner_steps: int = 5  # network steps on the synthetic set between updates
    lr: float = 0.02  # Adam on the latent in [0, 1]
    net_lr: float = 0.01  # SGD (momentum 0.5) for the inner network training, as in DC
    init: str = "real"
    model: str = "convnet"
    width: int = 32
    depth: int = 3
    real_batch: int = 16
    augment: bool = True  # DSA's Siamese augmentation: one shift per class, real and synthetic alike
    export_rounding: str = "sample"  # as DM's: "nearest" drops the haze of faint counts when saved
    checkpoint_every: int = 2

    def __post_init__(self) -> None:
        if min(self.iterations, self.outer_loop, self.real_batch) < 1 or self.inner_steps < 0:
            raise CondenseError("dc: iterations, outer_loop and real_batch must be positive, inner_steps >= 0")
        checked_loop("dc", self.loop_settings)
        check_network("dc", self)

    def loop_settings(self) -> LoopSettings:
        return LoopSettings(self.iterations, self.lr, init=self.init, peq=False, checkpoint_every=self.checkpoint_every,
                            export_rounding=self.export_rounding)


def gradient_distance(real: Sequence[torch.Tensor], syn: Sequence[torch.Tensor]) -> torch.Tensor:
    """DC's layer-wise distance: sum over weight tensors and output units of 1 - cosine similarity."""
    total = torch.zeros((), device=syn[0].device)
    for gr, gs in zip(real, syn):
        if gr.dim() == 1:
            continue
        total = total + (1 - F.cosine_similarity(gr.flatten(1), gs.flatten(1), dim=1, eps=1e-6)).sum()
    return total


class LoopLIF(LIF):
    """A LIF layer through `lif_multistep_loop`, whose gradient autograd can differentiate again."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return lif_multistep_loop(x, self.params, self.surrogate, self.v0, sltt=self.sltt).spikes


def twice_differentiable(net: torch.nn.Module) -> torch.nn.Module:
    """Swap every LIF layer of `net` for a LoopLIF with the same settings (in place)."""
    for parent in list(net.modules()):
        for name, child in parent.named_children():
            if isinstance(child, LIF) and not isinstance(child, LoopLIF):
                setattr(parent, name, LoopLIF(child.params, child.surrogate, child.sltt, child.v0))
    return net


def build(train: FrameSet, ipc: int, options: Options, run: RunContext) -> FrameSet:
    o, spec = options, network(options)
    labels = torch.from_numpy(class_major_labels(train.n_classes, ipc))

    def step(ctx: StepContext) -> dict[str, float]:
        net = twice_differentiable(fresh_net(spec, train, ctx.cpu_gen, ctx.device)).train()
        params = [p for p in net.parameters() if p.requires_grad]
        net_opt = torch.optim.SGD(params, lr=o.net_lr, momentum=0.5)
        y = labels.to(ctx.device)
        losses = []
        for outer in range(o.outer_loop):
            batch = paired_batch(ctx, train, ipc, o.real_batch, o.augment)
            syn = syn_input(ctx, batch.syn_draw)
            loss = torch.zeros((), device=ctx.device)
            for c, real_rows in enumerate(batch.rows):
                real = batch.real[:, real_rows]
                y_real = torch.full((real.shape[1],), c, device=ctx.device)
                g_real = torch.autograd.grad(F.cross_entropy(net(real).mean(0), y_real), params)
                rows = ctx.synthetic.of_class(c)
                g_syn = torch.autograd.grad(F.cross_entropy(net(syn[:, rows]).mean(0), y[rows]), params,
                                            create_graph=True)
                loss = loss + gradient_distance([g.detach() for g in g_real], g_syn)
            ctx.update(loss)
            losses.append(float(loss.detach()))
            if outer + 1 < o.outer_loop:
                _train_on(net, net_opt, ctx, y, o.inner_steps)
        return {"loss": sum(losses) / len(losses)}

    return run_distillation(train, ipc, step, o.loop_settings(), run, method="dc", options=asdict(o))


def _train_on(net: torch.nn.Module, opt: torch.optim.Optimizer, ctx: StepContext, y: torch.Tensor, steps: int) -> None:
    """A few full-batch steps of the network on the current (detached) synthetic set."""
    for _ in range(steps):
        with torch.no_grad():
            x = to_input(ctx.synthetic.counts(ctx.dev_gen))
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(net(x).mean(0), y).backward()
        opt.step()

