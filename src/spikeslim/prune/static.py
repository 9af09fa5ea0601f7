"""Static pruning: score every example once with short proxy runs, then train on the top `keep`.

EL2N, GraNd and forgetting share this: the scores come from `proxy_scores` (fresh models trained
briefly with a recording sampler), the pruned run trains on one fixed subset with weight 1.
The scoring time is kept on the sampler (`score_time_s`) so benchmarks can charge it.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable

import numpy as np
import torch

from spikeslim.datasets.base import FrameSet
from spikeslim.errors import InvalidConfigError
from spikeslim.prune.base import ScoredSampler, ScoreTable, as_numpy, check_proxies, epoch_rng, full_plan, top_k
from spikeslim.prune.scores import ScoreFn
from spikeslim.train.plugins import RunContext


class StaticSampler:
    """The same `keep` fraction of highest-scored examples every epoch, reshuffled, weight 1.

    The fraction is kept within each class (`labels`), as DeepCore's balanced selection does:
    a global top-k of scores that track event density (GraNd at initialisation) drops whole
    classes of sparse recordings (docs/sadp.md).
    """

    def __init__(self, scores: np.ndarray, labels: np.ndarray, *, keep: float, seed: int,
                 score_time_s: float = 0.0) -> None:
        self.scores = np.asarray(scores, dtype=np.float64)
        labels = np.asarray(labels)
        if labels.shape != self.scores.shape:
            raise InvalidConfigError(f"{len(self.scores)} scores for {len(labels)} labelled examples")
        self.seed, self.score_time_s = seed, score_time_s
        rng = np.random.default_rng([seed])
        picked = []
        for c in np.unique(labels):
            rows = np.flatnonzero(labels == c)
            k = max(1, min(len(rows), round(keep * len(rows))))
            picked.append(rows[top_k(self.scores[rows], k, rng)])
        self.kept = rng.permutation(np.concatenate(picked)).astype(np.int64)

    def plan(self, epoch: int, n_epochs: int) -> tuple[np.ndarray, np.ndarray]:
        order = epoch_rng(self.seed, epoch).permutation(self.kept).astype(np.int64)
        return order, np.ones(len(order), dtype=np.float32)

    def observe(
        self, indices: torch.Tensor, logits: torch.Tensor, features: torch.Tensor, labels: torch.Tensor
    ) -> None:
        """Static: the subset was fixed before training."""

    def state_dict(self) -> dict[str, Any]:
        return {"scores": torch.from_numpy(self.scores.copy())}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if not np.array_equal(as_numpy(state["scores"]), self.scores):
            raise InvalidConfigError("the checkpoint was pruned with different static scores; rescore or start afresh")


class ScoreRecorder(ScoredSampler):
    """Full data every epoch, remembering each example's latest score (a proxy run's sampler)."""

    def __init__(self, n: int, score: ScoreFn, *, seed: int) -> None:
        self.n, self.score, self.seed = n, score, seed
        self.table = ScoreTable(n)

    @property
    def scores(self) -> np.ndarray:
        return self.table.filled("mean")

    def plan(self, epoch: int, n_epochs: int) -> tuple[np.ndarray, np.ndarray]:
        return full_plan(self.n, epoch_rng(self.seed, epoch))


def proxy_scores(
    train: FrameSet,
    run: RunContext,
    *,
    name: str,
    epochs: int | None,
    n_proxies: int,
    recorder: Callable[[int], Any] | None,
    final: Callable[[torch.nn.Module, Any], np.ndarray] | None = None,
    default_fraction: float = 0.1,
    min_epochs: int = 1,
) -> np.ndarray:
    """Mean over `n_proxies` fresh models of the scores each one gives after `epochs` of training.

    The proxies are the run's own network (`run.model`, seeded per proxy) trained with its recipe
    (`run.config`) on its device. `recorder(proxy_seed)` makes the sampler a proxy trains with
    (its `.scores` are read after training unless `final(model, recorder)` computes them);
    epochs may be 0 (score at init) and default to `default_fraction` of the run's epochs, at
    least `min_epochs`.
    """
    if run.model is None or run.config is None:
        raise InvalidConfigError(f"{name} scores examples with short proxy runs: the run context needs "
                                 "model and config")
    if epochs is None:
        epochs = max(min_epochs, round(default_fraction * run.config.epochs))
    check_proxies(name, epochs, n_proxies)
    from spikeslim.train import fit

    total = np.zeros(len(train))
    for j in range(n_proxies):
        proxy_seed = run.seed * 1000 + j
        model = run.model.build(train.shape[1:], train.n_classes, seed=proxy_seed)
        sampler = recorder(proxy_seed) if recorder is not None else None
        if epochs > 0:
            proxy_config = dataclasses.replace(run.config, epochs=epochs, seed=proxy_seed)
            fit(model, train, proxy_config, sampler=sampler, device=run.device, progress=run.progress)
        total += final(model, sampler) if final is not None else sampler.scores
    return total / n_proxies


def timed_static(labels: np.ndarray, scores: Callable[[], np.ndarray], *, keep: float, seed: int) -> StaticSampler:
    """Run the scoring once, time it, and fix the subset; keep = 1 needs no scores at all."""
    if keep >= 1.0:
        return StaticSampler(np.zeros(len(labels)), labels, keep=keep, seed=seed)
    start = time.perf_counter()
    values = scores()
    return StaticSampler(values, labels, keep=keep, seed=seed, score_time_s=time.perf_counter() - start)
