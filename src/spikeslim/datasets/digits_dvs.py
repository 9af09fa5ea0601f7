"""digits-dvs: scikit-learn's 1,797 8x8 handwritten digits turned into N-MNIST-style event streams.

Each digit is up-sampled to 24x24 (linear interpolation), framed to 28x28 like an MNIST digit and
recorded by the simulated sensor making N-MNIST's three saccades on a 34x34 sensor. It ships with
scikit-learn, so it works offline, and it is generated in seconds on first use, then cached.
The split is fixed and stratified: 36 test samples per class (360), the other 1,437 for training.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from spikeslim.datasets.base import DatasetSpec
from spikeslim.datasets.embedded import EmbeddedSplit, cache_key, cache_root, cached_split
from spikeslim.events.saccades import SaccadeParams, linear_weights, saccade_events_batch
from spikeslim.events.simulator import SimulatorParams
from spikeslim.events.types import SensorSize

SENSOR = SensorSize(34, 34, 2)
TEST_PER_CLASS = 36
SPLIT_SIZES = {"train": 1797 - 10 * TEST_PER_CLASS, "test": 10 * TEST_PER_CLASS}
GENERATOR_VERSION = 1  # bump when the images, split or seeds below change
SIMULATOR = SimulatorParams()
MOTION = SaccadeParams()
_SEED = 20150437  # base of the per-sample seeds (N-MNIST's year and volume, for no deeper reason)
_DIGIT_PX, _FRAME_PX = 24, 28
_BATCH = 64


def split_indices(labels: np.ndarray) -> dict[str, np.ndarray]:
    """The fixed split: per class, a seeded permutation's first TEST_PER_CLASS go to test."""
    rng = np.random.default_rng(_SEED)
    test = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:TEST_PER_CLASS]
                           for c in range(10)])
    is_test = np.zeros(len(labels), dtype=bool)
    is_test[test] = True
    return {"train": np.flatnonzero(~is_test), "test": np.flatnonzero(is_test)}


def digit_images(images8: np.ndarray) -> np.ndarray:
    """8x8 digits (0-16) -> [N, 28, 28] intensities in [0, 1]: up-sampled 3x, with a 2 px margin."""
    scale = _DIGIT_PX / images8.shape[-1]
    weights = linear_weights((np.arange(_DIGIT_PX) + 0.5) / scale - 0.5, images8.shape[-1])
    up = weights @ (np.asarray(images8, dtype=np.float64) / 16.0) @ weights.T
    margin = (_FRAME_PX - _DIGIT_PX) // 2
    return np.clip(np.pad(up, ((0, 0), (margin, margin), (margin, margin))), 0.0, 1.0)


def generate(images8: np.ndarray, labels: np.ndarray, indices: np.ndarray) -> Iterator[tuple[np.ndarray, int]]:
    """(events, label) for the given digits; sample i always uses the seed (base, i), batch or not."""
    images = digit_images(images8[indices])
    for start in range(0, len(indices), _BATCH):
        batch = indices[start:start + _BATCH]
        rngs = [np.random.default_rng([_SEED, int(i)]) for i in batch]
        streams = saccade_events_batch(images[start:start + _BATCH], SENSOR, SIMULATOR, rngs, MOTION)
        yield from zip(streams, (int(labels[i]) for i in batch))


def _generate_split(split: str) -> Iterator[tuple[np.ndarray, int]]:
    from sklearn.datasets import load_digits  # lazily: slow to import, needed only to generate

    digits = load_digits()
    return generate(digits.images, digits.target, split_indices(digits.target)[split])


def open_split(split: str, data_dir: Path | None) -> EmbeddedSplit:
    """The split, read from the cache, or generated there first (seconds)."""
    key = cache_key(GENERATOR_VERSION, SIMULATOR, MOTION)
    path = cache_root(data_dir) / "embedded" / f"digits-dvs-{key}-{split}.npz"
    return cached_split(path, lambda: _generate_split(split), SPLIT_SIZES[split], SENSOR, f"digits-dvs {split}")


SPEC = DatasetSpec(
    name="digits-dvs",
    sensor_size=SENSOR,
    class_names=[str(d) for d in range(10)],
    description="scikit-learn's 8x8 digits recorded by a simulated sensor making N-MNIST saccades "
                "(34x34, 300 ms); 1,437 train / 360 test",
    how_to_get="embedded: generated from scikit-learn's digits on first use and cached",
    embedded=True,
    open=open_split,
    default_T=10,
)
