"""DM, distribution matching (Zhao & Bilen, 2023), on spiking networks: the baseline PACE extends.

Each iteration draws a fresh randomly initialised network (its batch norms, if any, calibrated on
the iteration's real batch: `matching.calibrate`) and, per class, minimises the squared
distance between the mean spike-rate embeddings (time-averaged spikes entering the classifier)
of a real batch and of the synthetic samples, under the same augmentation. The frames are
continuous counts during optimisation (no PEQ-N) and rounded when saved (stochastically, or to
the nearest count with `export_rounding="nearest"`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar

import torch

from spikeslim.condense.base import CondenseError
from spikeslim.condense.matching import calibrate, check_network, fresh_net, network, paired_batch, syn_input
from spikeslim.condense.synthetic import LoopSettings, StepContext, checked_loop, run_distillation
from spikeslim.datasets.base import FrameSet
from spikeslim.train.plugins import RunContext


@dataclass(frozen=True)
class Options:
    METHOD: ClassVar[str] = "dm"  # the name option errors start with (IDM's subclass: "idm")
    iterations: int = 200
    lr: float = 0.02  # Adam on the latent in [0, 1]
    init: str = "real"
    model: str = "convnet"
    width: int = 32
    depth: int = 3
    real_batch: int = 32  # real samples per class per iteration
    augment: bool = True
    checkpoint_every: int = 10
    # the loop's controls of the haze of faint events (docs/pace.md), so DM and IDM get what PACE gets
    export_rounding: str = "sample"
    sparsity: float = 0.0

    def __post_init__(self) -> None:
        method = self.METHOD
        if self.iterations < 1 or self.real_batch < 1:
            raise CondenseError(f"{method}: iterations and real_batch must be positive")
        checked_loop(method, self.loop_settings)
        check_network(method, self)

    def loop_settings(self, init_factor: int = 1) -> LoopSettings:
        return LoopSettings(self.iterations, self.lr, init=self.init, peq=False, checkpoint_every=self.checkpoint_every,
                            init_factor=init_factor, export_rounding=self.export_rounding, sparsity=self.sparsity)


def build(train: FrameSet, ipc: int, options: Options, run: RunContext) -> FrameSet:
    o, spec = options, network(options)

    def step(ctx: StepContext) -> dict[str, float]:
        net = fresh_net(spec, train, ctx.cpu_gen, ctx.device)
        batch = paired_batch(ctx, train, ipc, o.real_batch, o.augment)
        calibrate(net, batch.real)
        with torch.no_grad():
            real = net(batch.real, return_features=True)[1].mean(dim=0)  # spike rates [B, D]
        syn = net(syn_input(ctx, batch.syn_draw), return_features=True)[1].mean(dim=0)
        loss = sum(
            (real[rows].mean(dim=0) - syn[ctx.synthetic.of_class(c)].mean(dim=0)).pow(2).sum()
            for c, rows in enumerate(batch.rows)
        )
        ctx.update(loss)
        return {"loss": float(loss.detach())}

    return run_distillation(train, ipc, step, o.loop_settings(), run, method="dm", options=asdict(o))
