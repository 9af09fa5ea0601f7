"""EL2N (Paul et al., NeurIPS 2021): keep the examples with the largest error norm early in training.

The score is ||softmax(o) - y|| from the last epoch of short proxy runs (by default 10% of the
run's epochs), averaged over proxies; it is read from the proxy's own training passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from spikeslim.datasets.base import FrameSet
from spikeslim.prune.base import check_proxies
from spikeslim.prune.scores import el2n
from spikeslim.prune.static import ScoreRecorder, StaticSampler, proxy_scores, timed_static
from spikeslim.train.plugins import RunContext


@dataclass(frozen=True)
class Options:
    score_epochs: int | None = None  # proxy epochs; default 10% of the run's
    n_proxies: int = 2

    def __post_init__(self) -> None:
        check_proxies("el2n", self.score_epochs, self.n_proxies)


def build(train: FrameSet, keep: float, options: Options, run: RunContext) -> StaticSampler:
    def scores():
        return proxy_scores(
            train, run, name="el2n", epochs=options.score_epochs, default_fraction=0.1,
            n_proxies=options.n_proxies, recorder=lambda s: ScoreRecorder(len(train), el2n, seed=s),
        )

    return timed_static(train.labels, scores, keep=keep, seed=run.seed)
