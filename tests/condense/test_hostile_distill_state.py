"""Hostile distillation checkpoints (`state.pt`, read on --resume) and runs that blow up."""

import math
import os

import numpy as np
import pytest
import torch

from spikeslim.condense.synthetic import STATE_FILE, LoopSettings, StepContext, run_distillation
from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.errors import CheckpointError, DivergedError
from spikeslim.train.plugins import RunContext


def toy(**settings) -> FrameSet:
    rng = np.random.default_rng(0)
    frames = rng.poisson(1.0, size=(8, 3, 2, 4, 4)).astype(np.uint16)
    return FrameSet(frames, np.repeat(np.arange(2), 4), 2, FrameSpec(**{"dataset": "toy", "T": 3, **settings}))


def pull(nan_at=None):
    """Pull the frames towards zero; the loss turns NaN at iteration `nan_at`."""

    def step(ctx: StepContext) -> dict[str, float]:
        loss = ctx.synthetic.counts(ctx.dev_gen).pow(2).mean()
        if ctx.iteration == nan_at:
            loss = loss * math.nan
        ctx.update(loss)
        return {"loss": float(loss.detach())}

    return step


def run(folder, data=None, step=None, iterations=6, resume=False):
    return run_distillation(data or toy(), 2, step or pull(), LoopSettings(iterations, lr=0.05, checkpoint_every=2),
                            RunContext(seed=1, progress=False, checkpoint=folder, resume=resume), method="toy",
                            options={})


class Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_state_file_that_would_run_code_is_refused_unexecuted(tmp_path):
    run(tmp_path, iterations=2)
    state = torch.load(tmp_path / STATE_FILE, weights_only=True)
    marker = tmp_path / "pwned"
    torch.save({**state, "history": [Exploit(marker)]}, tmp_path / STATE_FILE)
    with pytest.raises(CheckpointError, match=rf"{STATE_FILE}: cannot be read safely"):
        run(tmp_path, resume=True)
    assert not marker.exists()


@pytest.mark.parametrize("edit, reason", [
    (lambda s: s.update(latent=torch.zeros(3)), "do not have the run's shape"),
    (lambda s: s.update(latent="x"), "do not have the run's shape"),
    (lambda s: s.pop("iteration"), "optimiser state is damaged"),
    (lambda s: s.update(optimiser={"state": 1}), "optimiser state is damaged"),
    (lambda s: s.pop("identity"), "no run identity recorded"),
])
def test_damaged_state_files_are_refused_by_name(tmp_path, edit, reason):
    run(tmp_path, iterations=2)
    state = torch.load(tmp_path / STATE_FILE, weights_only=True)
    edit(state)
    torch.save(state, tmp_path / STATE_FILE)
    with pytest.raises(CheckpointError, match=reason):
        run(tmp_path, resume=True)


@pytest.mark.parametrize("settings, named", [({"dataset": "other"}, "dataset: 'toy' -> 'other'"),
                                             ({"binning": "count"}, "binning: 'time' -> 'count'"),
                                             ({"data_dir": "/data/b"}, "source: None -> '/data/b'")])
def test_resume_with_other_data_settings_is_refused_naming_them(tmp_path, settings, named):
    run(tmp_path, iterations=2)
    with pytest.raises(CheckpointError, match=named):
        run(tmp_path, data=toy(**settings), resume=True)


def test_a_nan_loss_stops_the_run_and_keeps_the_last_good_state(tmp_path):
    with pytest.raises(DivergedError, match=f"toy diverged at iteration 4.*last good state is in {tmp_path}"):
        run(tmp_path, step=pull(nan_at=3))
    state = torch.load(tmp_path / STATE_FILE, weights_only=True)
    assert state["iteration"] == 2 and torch.isfinite(state["latent"]).all()
