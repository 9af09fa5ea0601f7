"""motion-dvs: procedurally rendered shapes whose class is their motion, so time order matters.

Eight classes: translation right / left / down / up at constant speed, rotation clockwise /
counter-clockwise (as seen on the sensor, y pointing down) by one full turn in place, and an
accelerating / decelerating traversal (random direction). The shape (bar, square, cross or L),
its size, orientation, position and contrast are random per sample and say nothing about the class.

Why the motions look like this: every translation crosses the whole sensor, entering and leaving
it, and every rotation ends where it started, so each pixel sees the shape arrive and leave. The
time-summed event counts of left and right (or clockwise and counter-clockwise, or accelerating and
decelerating) then have the same distribution and only the order of events separates the classes,
which is what this dataset is for: a test shows a classifier on time-summed frames stays at chance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from spikeslim.datasets.base import DatasetSpec
from spikeslim.datasets.embedded import EmbeddedSplit, cache_key, cache_root, cached_split
from spikeslim.errors import UnknownNameError
from spikeslim.events.simulator import SimulatorParams, simulate_videos
from spikeslim.events.types import SensorSize

SENSOR = SensorSize(32, 32, 2)
CLASSES = ("right", "left", "down", "up", "clockwise", "counterclockwise", "accelerating", "decelerating")
#: 2,000 test samples, so one sample is 0.05 points of accuracy (docs/protocol.md). Sample i of a
#: split depends only on (split, i): the first 320 test samples are those of version 1.
PER_CLASS = {"train": 150, "test": 250}
SHAPES = ("bar", "square", "cross", "ell")
DURATION_US = 300_000
FRAME_US = 2_000  # video sampling step; event times are interpolated between samples
GENERATOR_VERSION = 2  # bump when rendering, classes, sizes or seeds below change
# A refractory period short enough never to drop an edge's events at these speeds. With 1 ms, fast
# passages lose more events than slow ones; a pixel sees the shape arrive (ON) and leave (OFF) at
# different speeds, in opposite order for accelerating and decelerating, so the ON/OFF balance of
# time-summed frames gave the speed profile away (87% for a linear classifier on
# accelerating vs decelerating; 50% with 300 us).
SIMULATOR = SimulatorParams(refractory_us=300)
_SEED = 7041
_SPLIT_SEEDS = {"train": 0, "test": 1}
_DIRECTIONS = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])  # right, left, down, up
_BATCH = 64


def split_labels(split: str) -> np.ndarray:
    """Labels of a split, classes interleaved so that any prefix is balanced."""
    return np.tile(np.arange(len(CLASSES)), PER_CLASS[split])


def frame_times() -> np.ndarray:
    return np.arange(0, DURATION_US + 1, FRAME_US, dtype=np.int64)


def motion(label: int, rng: np.random.Generator, u: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """Shape centre [K, 2] and extra rotation [K] at progress u in [0, 1] for a class.

    `reach` is the shape's radius: translations start and end that far beyond the sensor edge.
    """
    size = np.array(SENSOR[:2], dtype=np.float64)
    name = CLASSES[label]
    if name in ("clockwise", "counterclockwise"):
        centre = rng.uniform(reach, size - reach)
        turn = 2 * np.pi * u * (1.0 if name == "clockwise" else -1.0)
        return np.broadcast_to(centre, (len(u), 2)), turn
    if name in ("accelerating", "decelerating"):
        direction = _DIRECTIONS[rng.integers(len(_DIRECTIONS))]
        u = u**2 if name == "accelerating" else 1.0 - (1.0 - u) ** 2
    else:
        direction = _DIRECTIONS[label]
    across = np.array([-direction[1], direction[0]])
    half_path = np.abs(direction) @ size / 2 + reach + 1.0  # from fully off the sensor to fully off
    start = size / 2 + across * rng.uniform(-1, 1) * (size / 2 - 4.0) - direction * half_path
    return start + (2 * half_path * u)[:, None] * direction, np.zeros_like(u)


def shape_distance(shape: str, qx: np.ndarray, qy: np.ndarray, size: float) -> np.ndarray:
    """Signed distance (pixels, negative inside) to a shape of half-extent `size` at the origin."""
    thin = 0.3 * size
    if shape == "bar":
        return _box(qx, qy, size, thin)
    if shape == "square":
        return _box(qx, qy, 0.7 * size, 0.7 * size)
    if shape == "cross":
        return np.minimum(_box(qx, qy, size, thin), _box(qx, qy, thin, size))
    if shape == "ell":
        return np.minimum(_box(qx + size - thin, qy, thin, size), _box(qx, qy - size + thin, size, thin))
    raise UnknownNameError(f"unknown shape {shape!r}; known shapes: {', '.join(SHAPES)}")


def _box(qx: np.ndarray, qy: np.ndarray, half_w: float, half_h: float) -> np.ndarray:
    dx, dy = np.abs(qx) - half_w, np.abs(qy) - half_h
    return np.hypot(np.maximum(dx, 0), np.maximum(dy, 0)) + np.minimum(np.maximum(dx, dy), 0)


def render(label: int, rng: np.random.Generator) -> np.ndarray:
    """Video [K, H, W] of intensities in [0, 1] of one random shape making the class's motion."""
    shape = SHAPES[rng.integers(len(SHAPES))]
    size = rng.uniform(4.0, 7.0)
    angle0 = rng.uniform(0, 2 * np.pi)
    background, contrast = rng.uniform(0.0, 0.2), rng.uniform(0.4, 0.8)
    u = frame_times() / DURATION_US
    centres, turn = motion(label, rng, u, reach=1.5 * size)
    ys, xs = np.mgrid[: SENSOR.height, : SENSOR.width] + 0.5
    px = xs[None] - centres[:, 0, None, None]
    py = ys[None] - centres[:, 1, None, None]
    cos, sin = (f(angle0 + turn)[:, None, None] for f in (np.cos, np.sin))
    # Rotate the pixel grid by -angle into the shape's frame; 1-px linear edges give sub-pixel motion.
    dist = shape_distance(shape, cos * px + sin * py, -sin * px + cos * py, size)
    return background + contrast * np.clip(0.5 - dist, 0.0, 1.0)


def generate(split: str, indices: Sequence[int] | np.ndarray) -> Iterator[tuple[np.ndarray, int]]:
    """(events, label) for samples of a split; sample i always comes from the seed (base, split, i)."""
    labels = split_labels(split)
    indices = np.asarray(indices, dtype=np.int64)
    for start in range(0, len(indices), _BATCH):
        batch = indices[start:start + _BATCH]
        rngs = [np.random.default_rng([_SEED, _SPLIT_SEEDS[split], int(i)]) for i in batch]
        videos = np.stack([render(int(labels[i]), rng) for i, rng in zip(batch, rngs)], axis=1)
        streams = simulate_videos(videos, frame_times(), SIMULATOR, rngs)
        yield from zip(streams, (int(labels[i]) for i in batch))


def open_split(split: str, data_dir: Path | None) -> EmbeddedSplit:
    """The split, read from the cache, or generated there first (seconds)."""
    key = cache_key(GENERATOR_VERSION, SIMULATOR)
    path = cache_root(data_dir) / "embedded" / f"motion-dvs-{key}-{split}.npz"
    n = len(split_labels(split))
    return cached_split(path, lambda: generate(split, np.arange(n)), n, SENSOR, f"motion-dvs {split}")


SPEC = DatasetSpec(
    name="motion-dvs",
    sensor_size=SENSOR,
    class_names=list(CLASSES),
    description="random shapes whose class is their motion (direction, rotation sense, speed profile), "
                "32x32, 300 ms; 1,200 train / 2,000 test; time-summed frames cannot separate the classes",
    how_to_get="embedded: rendered and simulated on first use and cached",
    embedded=True,
    open=open_split,
    default_T=10,
)
