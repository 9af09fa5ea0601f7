"""Herding coreset: per class, greedily pick samples whose running mean tracks the class mean.

Welling (2009); as used by iCaRL and the dataset-distillation baselines. Embeddings come from a
briefly trained network (`coreset.embed`).
"""

from __future__ import annotations

import numpy as np

from spikeslim.condense.coreset import ProxyConfig, select_by_embedding
from spikeslim.datasets.base import FrameSet
from spikeslim.train.plugins import RunContext

#: The proxy network's settings.
Options = ProxyConfig


def herding_order(features: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` rows chosen by herding, in the order picked.

    Step j adds the unchosen row x minimising ||mean - (sum_chosen + x) / j||.
    """
    feats = np.asarray(features, dtype=np.float64)
    target = feats.mean(axis=0)
    total = np.zeros_like(target)
    free = np.ones(len(feats), dtype=bool)
    order = []
    for j in range(1, k + 1):
        dist = np.linalg.norm(target - (total + feats) / j, axis=1)
        dist[~free] = np.inf
        pick = int(np.argmin(dist))
        order.append(pick)
        free[pick] = False
        total += feats[pick]
    return np.asarray(order, dtype=np.int64)


def build(train: FrameSet, ipc: int, options: Options, run: RunContext) -> FrameSet:
    return select_by_embedding(train, ipc, options, run, method="herding", rule=herding_order)
