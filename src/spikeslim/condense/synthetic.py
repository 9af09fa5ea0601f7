"""Learnable synthetic frames and the optimisation loop every distillation method shares.

pace, dm and dc differ only in their per-iteration objective (a `Step`); this module owns what
they have in common: initialisation, the PEQ-N parametrisation, the optimiser, per-iteration
seeding (so a resumed run continues exactly as an uninterrupted one would), the progress bar,
atomic checkpoints every few iterations and on Ctrl-C, and the integer export.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np
import torch

from spikeslim.condense.base import ClassBatches, CondenseError, class_major_labels, condensed_set, init_frames
from spikeslim.condense.peq import EXPORT_ROUNDINGS, PEQN, count_scale
from spikeslim.datasets.base import FrameSet
from spikeslim.errors import CheckpointError, DivergedError
from spikeslim.files import write_torch
from spikeslim.progress import progress_bar
from spikeslim.safeio import first_line, load_torch
from spikeslim.train.device import resolve_device
from spikeslim.train.plugins import RunContext

STATE_FILE = "state.pt"


class Synthetic:
    """`ipc` learnable frames per class: a latent in [0, 1] that PEQ-N turns into counts."""

    def __init__(self, init_counts: np.ndarray, ipc: int, quant: PEQN, device: torch.device):
        self.ipc, self.quant = ipc, quant
        self.latent = quant.encode(torch.from_numpy(init_counts).to(device)).requires_grad_(True)

    def counts(self, generator: torch.Generator | None = None) -> torch.Tensor:
        """All frames as counts [ipc*C, T, 2, H, W] (class-major), with gradient to the latent."""
        return self.quant(self.latent, generator)

    def of_class(self, c: int) -> slice:
        """Where class `c`'s samples sit along the batch axis."""
        return slice(c * self.ipc, (c + 1) * self.ipc)


@dataclass
class StepContext:
    """What a method's step gets each iteration; the generators are seeded by (seed, iteration)."""

    iteration: int
    synthetic: Synthetic
    real: "Callable[[int, int], np.ndarray]"  # real(c, n): a random real batch of class c
    rng: np.random.Generator
    cpu_gen: torch.Generator  # for drawing networks and augmentations
    dev_gen: torch.Generator  # for stochastic rounding on the device
    device: torch.device
    update: Callable[[torch.Tensor], None]  # backward + optimiser step + projection


class Step(Protocol):
    def __call__(self, ctx: StepContext) -> dict[str, float]: ...


@dataclass(frozen=True)
class LoopSettings:
    iterations: int
    lr: float
    init: str = "real"
    peq: bool = True
    init_factor: int = 1  # stored samples that hold factor**2 tiles (IDM's partitioning)
    checkpoint_every: int = 10
    optimizer: str = "adam"  # or "nsgd": see `NormalisedSGD`
    export_rounding: str = "sample"  # or "nearest": see `PEQN.export`
    sparsity: float = 0.0  # a constant push of every latent towards zero, in units of the gradient's RMS
    event_budget: str = "none"  # or "class": see `EventBudget`

    def __post_init__(self) -> None:
        if self.event_budget not in EVENT_BUDGETS:
            raise CondenseError(f"event_budget {self.event_budget!r} is not one of {', '.join(EVENT_BUDGETS)}")
        if self.event_budget != "none" and self.init_factor != 1:
            raise CondenseError("event_budget needs one sample per stored sample (factor 1): a tiled sample "
                                "holds several samples' events")
        if self.optimizer not in OPTIMIZERS:
            raise CondenseError(f"optimizer {self.optimizer!r} is not one of {', '.join(OPTIMIZERS)}")
        if not self.sparsity >= 0:
            raise CondenseError(f"sparsity must be >= 0, got {self.sparsity}")
        if self.export_rounding not in EXPORT_ROUNDINGS:
            raise CondenseError(f"export_rounding {self.export_rounding!r} is not one of {', '.join(EXPORT_ROUNDINGS)}")


def checked_loop(method: str, make: Callable[[], LoopSettings]) -> LoopSettings:
    """`make()`, its errors named after `method`: a distiller's options run the loop's own checks
    (optimizer, sparsity, export rounding, event budget) at option time, not at the first step."""
    try:
        return make()
    except CondenseError as err:
        raise CondenseError(f"{method}: {err}") from None


EVENT_BUDGETS = ("none", "class")


@dataclass(frozen=True)
class EventBudget:
    """Each synthetic sample's events per time step and polarity, held at its class's real mean.

    Why: matching statistics leaves the event count free, and the optimised frames drift to
    several times the real count and a flat time profile (docs/pace.md: the haze), which a
    network with batch norm then learns as normal input. After each step the latent of every
    (sample, step, polarity) is rescaled to the real class mean of that slice and clipped to the
    count range, so a set keeps real counts in time as well as integer ones; no free parameter.
    Measured, it holds the count but not the spread over empty pixels, which is what costs
    accuracy: off by default (docs/pace.md).
    """

    target: torch.Tensor  # [C, T, P] in latent units (count / scale)

    @classmethod
    def of(cls, train: FrameSet, scale: float, device: torch.device) -> EventBudget:
        frames, labels = np.asarray(train.frames), np.asarray(train.labels)
        means = np.stack([frames[labels == c].sum(axis=(-2, -1), dtype=np.float64).mean(0)
                          for c in range(train.n_classes)])
        return cls(torch.as_tensor(means / scale, dtype=torch.float32, device=device))

    def project_(self, latent: torch.Tensor) -> None:
        """Rescale `latent` [C*ipc, T, P, H, W] (class-major) in place, outside autograd."""
        with torch.no_grad():
            C = self.target.shape[0]
            view = latent.view(C, latent.shape[0] // C, *latent.shape[1:3], -1)
            mass = view.sum(-1, keepdim=True)
            view.mul_(torch.where(mass > 0, self.target[:, None, :, :, None] / mass.clamp_min(1e-12), 1.0))
            view.clamp_(0.0, 1.0)


class NormalisedSGD(torch.optim.SGD):
    """SGD (momentum 0.5, as DM and DC) on the gradient divided by its RMS over all frames.

    Why it exists: Adam scales every pixel's step to about `lr`, so empty background pixels,
    whose gradients are small and noisy, random-walk upwards against the clamp at zero and fill
    the frames with faint events. Normalising by one global RMS keeps `lr` in latent units per
    step, like Adam's, while a pixel moves in proportion to its gradient. Measured, it did not
    stop the haze (the noisy gradients are not small); `sparsity` does (docs/pace.md).
    """

    def __init__(self, params: Any, lr: float):
        super().__init__(params, lr=lr, momentum=0.5)

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:
        grads = [p.grad for group in self.param_groups for p in group["params"] if p.grad is not None]
        if grads:
            rms = torch.cat([g.flatten() for g in grads]).pow(2).mean().sqrt().clamp_min(1e-12)
            for g in grads:
                g.div_(rms)
        return super().step(closure)


OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {"adam": torch.optim.Adam, "nsgd": NormalisedSGD}


def run_distillation(
    train: FrameSet, ipc: int, step: Step, settings: LoopSettings, run: RunContext, *, method: str,
    options: dict[str, Any], prepare: Callable[[torch.device], None] | None = None,
) -> FrameSet:
    """Optimise synthetic frames with `step` for `settings.iterations` and return them as counts.

    `run.checkpoint` is a folder: the loop keeps `state.pt` there (methods may cache more, e.g. a
    teacher) and continues from it under `run.resume`. `prepare(device)` runs once before the
    loop (teacher training, say) and is timed.
    """
    start_all = time.perf_counter()
    seed, progress = run.seed, run.progress
    dev = resolve_device(run.device)
    rng0 = np.random.default_rng(seed)
    quant = PEQN(count_scale(np.asarray(train.frames)), stochastic=settings.peq, export_rounding=settings.export_rounding)
    synthetic = Synthetic(init_frames(train, ipc, rng0, init=settings.init, factor=settings.init_factor,
                                        device=run.device), ipc, quant, dev)
    budget = EventBudget.of(train, quant.scale, dev) if settings.event_budget == "class" else None
    optimiser = OPTIMIZERS[settings.optimizer]([synthetic.latent], lr=settings.lr)
    identity = {"method": method, "options": options, "ipc": ipc, "seed": seed, "shape": list(train.shape),
                "n_train": len(train), **_data_identity(train)}
    state_path = Path(run.checkpoint) / STATE_FILE if run.checkpoint is not None else None
    first, history, elapsed = 0, [], 0.0
    if run.resume and state_path is not None and state_path.exists():
        first, history, elapsed = _load_state(state_path, identity, synthetic, optimiser)
    timings: dict[str, float] = {}
    if prepare is not None:
        t0 = time.perf_counter()
        prepare(dev)
        timings["prepare"] = time.perf_counter() - t0

    def update(loss: torch.Tensor) -> None:
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        if settings.sparsity > 0:  # why: docs/pace.md (the haze); pixels at zero then stay there
            grad = synthetic.latent.grad
            grad.add_(settings.sparsity * grad.pow(2).mean().sqrt())
        optimiser.step()
        quant.project_(synthetic.latent)
        if budget is not None:
            budget.project_(synthetic.latent)

    batches = ClassBatches(train)
    t_loop = time.perf_counter()
    it = first
    bar = progress_bar(total=settings.iterations, initial=first, desc=f"{method} ipc={ipc}", disable=not progress,
                       unit="it")
    try:
        for it in range(first, settings.iterations):
            rng = np.random.default_rng([seed, it])
            cpu_gen = torch.Generator().manual_seed(int(rng.integers(2**62)))
            dev_gen = torch.Generator(device=dev).manual_seed(int(rng.integers(2**62)))
            ctx = StepContext(it, synthetic, lambda c, n, r=rng: batches.draw(c, n, r), rng, cpu_gen, dev_gen, dev, update)
            losses = step(ctx)
            if not all(math.isfinite(v) for v in losses.values()):
                raise DivergedError(f"{method} diverged at iteration {it + 1} (losses {losses}); lower --lr. "
                                    + (f"The last good state is in {state_path}" if state_path else ""))
            history.append({k: round(v, 6) for k, v in losses.items()})
            bar.set_postfix({k: f"{v:.4g}" for k, v in losses.items()}, refresh=False)
            bar.update(1)
            done = it + 1
            if state_path is not None and (done % settings.checkpoint_every == 0 or done == settings.iterations):
                _save_state(state_path, identity, synthetic, optimiser, done, history,
                            elapsed + time.perf_counter() - t_loop)
    except KeyboardInterrupt:
        if state_path is not None:
            _save_state(state_path, identity, synthetic, optimiser, len(history), history,
                        elapsed + time.perf_counter() - t_loop)
        raise
    finally:
        bar.close()
    timings["optimise"] = elapsed + time.perf_counter() - t_loop
    timings["total"] = time.perf_counter() - start_all + elapsed
    frames = quant.export(synthetic.latent, seed)
    return condensed_set(train, frames, class_major_labels(train.n_classes, ipc), method=method, options=options,
                         timings=timings, ipc=ipc, seed=seed,
                         extra={"count_scale": quant.scale,
                                "loss_history": history[:: max(1, len(history) // 50)] + history[-1:]})


def _data_identity(train: FrameSet) -> dict[str, Any]:
    """The training data in a run's identity: its spec's record but T, which `shape` holds."""
    if train.spec is None:
        return {}
    return {k: v for k, v in train.spec.record().items() if k != "T"}


def _save_state(path: Path, identity: dict, synthetic: Synthetic, optimiser: torch.optim.Optimizer,
                done: int, history: list, elapsed: float) -> None:
    state = {"identity": identity, "latent": synthetic.latent.detach().cpu(), "optimiser": optimiser.state_dict(),
             "iteration": done, "history": history, "elapsed": elapsed}
    write_torch(path, state)


def _load_state(path: Path, identity: dict, synthetic: Synthetic,
                optimiser: torch.optim.Optimizer) -> tuple[int, list, float]:
    """The loop's state from `path` (tensors and plain values only: `safeio.load_torch`)."""
    state = load_torch(path, CheckpointError)
    if not isinstance(state, dict) or state.get("identity") != identity:
        saved = state.get("identity") if isinstance(state, dict) else None
        raise CheckpointError(
            f"checkpoint {path} belongs to a different run ({_difference(saved, identity)}); "
            "use another --checkpoint folder or drop --resume"
        )
    latent = state.get("latent")
    if not isinstance(latent, torch.Tensor) or latent.shape != synthetic.latent.shape:
        raise CheckpointError(f"checkpoint {path}: its synthetic frames do not have the run's shape")
    try:
        optimiser.load_state_dict(state["optimiser"])
        done, history, elapsed = int(state["iteration"]), list(state["history"]), float(state["elapsed"])
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"checkpoint {path}: its optimiser state is damaged ({first_line(err)})") from err
    with torch.no_grad():
        synthetic.latent.copy_(latent)
    return done, history, elapsed


def _difference(saved: Any, now: dict) -> str:
    """Which identity fields differ, as `key: saved -> now`."""
    if not isinstance(saved, dict):
        return "no run identity recorded"
    keys = [k for k in now if saved.get(k) != now[k]] + [k for k in saved if k not in now]
    return ", ".join(f"{k}: {saved.get(k)!r} -> {now.get(k)!r}" for k in keys)
