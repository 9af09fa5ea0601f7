"""K-center greedy coreset: per class, pick samples that cover the embedding space.

Sener and Savarese (2018): repeatedly add the sample farthest from everything chosen so far,
which greedily minimises the largest distance from any sample to its nearest chosen one.
"""

from __future__ import annotations

import numpy as np

from spikeslim.condense.coreset import ProxyConfig, select_by_embedding
from spikeslim.datasets.base import FrameSet
from spikeslim.train.plugins import RunContext

#: The proxy network's settings.
Options = ProxyConfig


def kcenter_order(features: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` rows chosen by k-center greedy, in the order picked.

    The first pick is the row nearest the mean (deterministic, and a typical sample rather than
    an outlier); each next pick maximises the distance to its nearest chosen row.
    """
    feats = np.asarray(features, dtype=np.float64)
    first = int(np.argmin(np.linalg.norm(feats - feats.mean(axis=0), axis=1)))
    order = [first]
    nearest = np.linalg.norm(feats - feats[first], axis=1)
    nearest[first] = -1.0  # chosen rows never win, even among duplicates at distance 0
    for _ in range(k - 1):
        pick = int(np.argmax(nearest))
        order.append(pick)
        nearest = np.minimum(nearest, np.linalg.norm(feats - feats[pick], axis=1))
        nearest[order] = -1.0
    return np.asarray(order, dtype=np.int64)


def build(train: FrameSet, ipc: int, options: Options, run: RunContext) -> FrameSet:
    return select_by_embedding(train, ipc, options, run, method="kcenter", rule=kcenter_order)
