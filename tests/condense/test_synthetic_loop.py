"""The shared distillation loop: optimisation, integer export, checkpoint and exact resume."""

import numpy as np
import pytest
import torch

from spikeslim.condense.base import CondenseError
from spikeslim.condense.synthetic import (STATE_FILE, EventBudget, LoopSettings, NormalisedSGD, StepContext,
                                        run_distillation)
from spikeslim.datasets.base import FrameSet, FrameSpec
from spikeslim.errors import CheckpointError
from spikeslim.train.plugins import RunContext


def _toy(seed=0) -> FrameSet:
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(2), 6).astype(np.int64)
    frames = rng.poisson(1.0, size=(12, 3, 2, 5, 5)).astype(np.uint16)
    return FrameSet(frames, labels, 2, FrameSpec("toy", 3))


def _towards_real_mean(interrupt_at=None):
    """A step pulling each class's synthetic frames towards a fresh real batch's mean (noisy, seeded)."""

    def step(ctx: StepContext) -> dict[str, float]:
        if ctx.iteration == interrupt_at:
            raise KeyboardInterrupt
        counts = ctx.synthetic.counts(ctx.dev_gen)
        loss = torch.zeros(())
        for c in range(2):
            real = torch.from_numpy(ctx.real(c, 3).astype(np.float32)).mean(0)
            loss = loss + (counts[ctx.synthetic.of_class(c)] - real).pow(2).mean()
        ctx.update(loss)
        return {"loss": float(loss.detach())}

    return step


def _run(tmp_path, step, iterations=8, resume=False, optimizer="adam"):
    run = RunContext(seed=4, progress=False, checkpoint=tmp_path, resume=resume)
    settings = LoopSettings(iterations, lr=0.05, checkpoint_every=3, optimizer=optimizer)
    return run_distillation(_toy(), 2, step, settings, run, method="toy", options={"a": 1})


@pytest.mark.parametrize("optimizer", ["adam", "nsgd"])
def test_loop_exports_integer_counts_and_lowers_the_loss(tmp_path, optimizer):
    out = _run(tmp_path, _towards_real_mean(), iterations=20, optimizer=optimizer)
    assert out.frames.shape == (4, 3, 2, 5, 5) and np.issubdtype(out.frames.dtype, np.unsignedinteger)
    assert out.labels.tolist() == [0, 0, 1, 1]
    history = out.meta["loss_history"]
    assert history[-1]["loss"] < history[0]["loss"]
    assert out.meta["method"] == "toy" and out.meta["options"] == {"a": 1} and "optimise" in out.meta["timings"]


def test_interrupted_run_resumes_to_the_same_result(tmp_path):
    whole = _run(tmp_path / "whole", _towards_real_mean())
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path / "cut", _towards_real_mean(interrupt_at=5))
    assert (tmp_path / "cut" / STATE_FILE).exists()
    resumed = _run(tmp_path / "cut", _towards_real_mean(), resume=True)
    np.testing.assert_array_equal(whole.frames, resumed.frames)
    assert len(resumed.meta["loss_history"]) == len(whole.meta["loss_history"])


def test_resume_refuses_a_checkpoint_of_another_run(tmp_path):
    _run(tmp_path, _towards_real_mean(), iterations=3)
    with pytest.raises(CheckpointError, match="different run"):
        run_distillation(_toy(), 1, _towards_real_mean(), LoopSettings(3, lr=0.05),
                         RunContext(seed=4, progress=False, checkpoint=tmp_path, resume=True), method="toy", options={})


def test_normalised_sgd_moves_pixels_in_proportion_to_their_gradient():
    """Unlike Adam, whose first step moves every pixel with any gradient by lr."""
    x = torch.zeros(3, requires_grad=True)
    opt = NormalisedSGD([x], lr=0.1)
    (x * torch.tensor([1.0, 1e-4, 0.0])).sum().backward()
    opt.step()
    rms = (1 + 1e-8) ** 0.5 / 3 ** 0.5
    torch.testing.assert_close(x.detach(), -0.1 * torch.tensor([1.0, 1e-4, 0.0]) / rms)
    adam = torch.zeros(3, requires_grad=True)
    opt = torch.optim.Adam([adam], lr=0.1)
    (adam * torch.tensor([1.0, 1e-4, 0.0])).sum().backward()
    opt.step()
    assert abs(float(adam.detach()[1])) > 0.09  # the contrast this optimiser exists for


def test_unknown_optimizer_is_named():
    with pytest.raises(CondenseError, match="optimizer 'sgd2' is not one of adam, nsgd"):
        LoopSettings(3, lr=0.1, optimizer="sgd2")


def _noise_step(ctx: StepContext) -> dict[str, float]:
    """A loss whose gradient is pure bounded noise: what empty pixels see from a matching loss."""
    counts = ctx.synthetic.counts(ctx.dev_gen)
    noise = torch.rand(counts.shape, generator=ctx.cpu_gen) * 2 - 1
    loss = (counts * noise).sum()
    ctx.update(loss)
    return {"loss": float(loss.detach())}


def test_sparsity_keeps_empty_pixels_empty_where_noise_alone_fills_them(tmp_path):
    def run(sparsity):
        settings = LoopSettings(10, lr=0.05, peq=False, sparsity=sparsity)
        out = run_distillation(_toy(), 2, _noise_step, settings, RunContext(seed=1, progress=False),
                               method="toy", options={})
        return out.frames.astype(np.int64)

    start = LoopSettings(1, lr=1e-12)
    init = run_distillation(_toy(), 2, _noise_step, start, RunContext(seed=1, progress=False), method="toy",
                            options={}).frames.astype(np.int64)
    plain, sparse = run(0.0), run(2.0)
    assert (sparse[init == 0] == 0).all() and sparse.sum() < init.sum()
    assert (plain[init == 0] > 0).any()
    with pytest.raises(CondenseError, match="sparsity must be >= 0"):
        LoopSettings(3, lr=0.1, sparsity=-1.0)


def test_event_budget_holds_every_sample_step_and_polarity_at_its_class_mean():
    toy = _toy()
    budget = EventBudget.of(toy, scale=4.0, device=torch.device("cpu"))
    expected = np.stack([toy.frames[toy.labels == c].sum(axis=(-2, -1)).mean(0) for c in range(2)]) / 4.0
    np.testing.assert_allclose(budget.target.numpy(), expected, rtol=1e-6)
    latent = torch.rand(4, 3, 2, 5, 5, generator=torch.Generator().manual_seed(0)) * 0.2
    latent[0, 1, 0] = 0.0  # an empty slice stays empty: there is nothing to rescale
    budget.project_(latent)
    mass = latent.sum(dim=(-2, -1)).view(2, 2, 3, 2)
    target = budget.target[:, None].expand(2, 2, 3, 2).clone()
    target[0, 0, 1, 0] = 0.0
    torch.testing.assert_close(mass, target)


def test_event_budget_keeps_exported_counts_near_the_real_ones_where_noise_drifts_them(tmp_path):
    toy = _toy()
    real = np.stack([toy.frames[toy.labels == c].sum(axis=(-2, -1)).mean(0) for c in range(2)])

    def drift(event_budget):
        settings = LoopSettings(15, lr=0.05, event_budget=event_budget)
        out = run_distillation(toy, 2, _noise_step, settings, RunContext(seed=1, progress=False),
                               method="toy", options={})
        per_slice = out.frames.astype(np.float64).sum(axis=(-2, -1)).reshape(2, 2, 3, 2)
        return np.abs(per_slice - real[:, None]).mean()

    held, free = drift("class"), drift("none")
    assert held < 3.0 < free  # stochastic rounding of 25 pixels: a few events either way


def test_event_budget_errors_are_named():
    with pytest.raises(CondenseError, match="event_budget 'pixel' is not one of none, class"):
        LoopSettings(3, lr=0.1, event_budget="pixel")
    with pytest.raises(CondenseError, match="factor 1"):
        LoopSettings(3, lr=0.1, event_budget="class", init_factor=2)
