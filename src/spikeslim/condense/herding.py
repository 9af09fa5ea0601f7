"""Herding coreset: per class, greedily pick samples whose running mean tracks the class mean.

Welling (2009); as used by iCaRL and the dataset-distillation baselines. Embeddings come from a
briefly trained network (`coreset.embed`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spikeslim.condense.base import make_options
from spikeslim.condense.coreset import EmbeddingSelect, ProxyConfig


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


def build(**options: Any) -> EmbeddingSelect:
    """Options are the proxy network's settings (`ProxyConfig` fields)."""
    return EmbeddingSelect("herding", herding_order, make_options(ProxyConfig, "herding", options))
