"""Test-set metrics of a trained network: accuracy, accuracy after each time step, spike rate."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from spikeslim.datasets.base import FrameSet
from spikeslim.datasets.loading import rebin_frameset
from spikeslim.snn.stats import count_activity
from spikeslim.train.data import batch, batches
from spikeslim.train.device import resolve_device


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: FrameSet,
    *,
    T: int | None = None,
    device: torch.device | str | None = None,
    batch_size: int = 256,
    predictions: bool = False,
) -> dict[str, Any]:
    """Accuracy of the time-averaged output, and of its running mean after 1..T steps.

    `T` other than the data's re-bins the frames by summing consecutive ones (for an exact
    re-binning from events, load the data at that T instead). `spike_rate` (spikes per neuron
    per step over all spiking layers) and `synops_per_sample` (synaptic operations, the work an
    event-driven chip does) come from `snn.stats`; the spike rate only if the model has spiking layers.
    With `predictions`, `predicted` lists each sample's predicted class (for paired comparisons).
    """
    device = resolve_device(device) if not isinstance(device, torch.device) else device
    if T is not None and T != data.T:
        data = rebin_frameset(data, T)
    was_training = model.training
    model.eval().to(device)
    correct_per_step = torch.zeros(data.T, dtype=torch.float64)
    predicted: list[int] = []
    with count_activity(model) as activity:
        for sl in batches(len(data), batch_size):
            x, y = batch(data, np.arange(sl.start, sl.stop), device)
            logits = model(x)  # [T, B, C]
            steps = torch.arange(1, logits.shape[0] + 1, device=device).view(-1, 1, 1)
            running = logits.cumsum(0) / steps
            correct_per_step += (running.argmax(-1) == y).sum(1).double().cpu()
            predicted += running[-1].argmax(-1).tolist()
    model.train(was_training)
    per_step = (correct_per_step / max(len(data), 1)).tolist()
    result: dict[str, Any] = {"accuracy": per_step[-1], "per_step_accuracy": per_step, "n": len(data), "T": data.T}
    if activity.neuron_steps:
        result["spike_rate"] = activity.spike_rate()
    result["synops_per_sample"] = activity.synops_per_sample()
    if predictions:
        result["predicted"] = predicted
    return result

