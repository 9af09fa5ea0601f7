"""Direct training: a fresh spiking QCFSNet per T, trained at T steps on the mean-logit loss.

The baseline every low-latency method is measured against; `tet` is the same with TET's loss.
Its network is HSD's student architecture (IF neurons, batch norm, `ref_frames` = F), so the
methods differ only in how the weights are found. The epochs are the run's recipe: HSD's
teacher and student epochs together make the "as long as HSD" baseline.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from spikeslim.datasets.base import FrameSet
from spikeslim.datasets.loading import rebin_frameset
from spikeslim.latency.base import (MODEL_NAME, LatencyResult, NetworkOptions, Trained, checkpoint_path, network_row,
                                    recipe)
from spikeslim.snn.models import ModelSpec
from spikeslim.train import TrainConfig, fit, resolve_device
from spikeslim.train.plugins import RunContext


@dataclass(frozen=True)
class Options(NetworkOptions):
    """Only the network: the method's recipe is the run's."""


def build(train: FrameSet, steps: tuple[int, ...], options: Options, run: RunContext, *,
          test: FrameSet | None = None) -> LatencyResult:
    config = dataclasses.replace(recipe(run), loss="mean")
    return LatencyResult([train_at(train, test, T, config, options, run, name="direct") for T in steps])


def train_at(
    train: FrameSet, test: FrameSet | None, T: int, config: TrainConfig, options: NetworkOptions, run: RunContext,
    *, name: str,
) -> Trained:
    """A network seeded by the run, trained with `config` on the F frames summed into T."""
    train_T = rebin_frameset(train, T)
    test_T = rebin_frameset(test, T) if test is not None else None
    kwargs = dict(spiking=True, batch_norm=True, channels=options.channels, bound=options.bound, ref_frames=train.T)
    net = ModelSpec(MODEL_NAME, kwargs).build(train_T.shape[1:], train_T.n_classes, seed=run.seed)
    path = checkpoint_path(run, f"{name}_T{T}.pt")
    result = fit(net, train_T, config, test=test_T, device=resolve_device(run.device), checkpoint=path,
                 resume=run.resume, progress=run.progress, model_spec=ModelSpec(MODEL_NAME, net.options))
    return Trained(net, network_row(T, result, path))
