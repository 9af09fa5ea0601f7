"""N-MNIST-style recordings of static images: the sensor moves in three saccades over the image.

Orchard et al. (2015) made N-MNIST by moving an ATIS camera in three ~100 ms saccades tracing a
triangle in front of a monitor showing each digit. Here the image is translated on the sensor along
the same triangle (down-right, up-right, back left, as the event centroids of real N-MNIST
recordings move) with a smooth speed profile that is slow at each corner, as in the real event rate,
and the rendered video is fed to `simulate_video`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from spikeslim.errors import InvalidConfigError
from spikeslim.events.simulator import SimulatorParams, simulate_videos
from spikeslim.events.types import SensorSize


@dataclass(frozen=True)
class SaccadeParams:
    """The sensor motion: a triangle of `width_px` x `height_px` traced in three saccades."""

    saccade_us: int = 100_000
    width_px: float = 4.0
    height_px: float = 4.0
    frame_us: int = 4_000  # video sampling step; events are interpolated between samples

    def __post_init__(self) -> None:
        if self.saccade_us <= 0 or self.frame_us <= 0 or self.frame_us > self.saccade_us:
            raise InvalidConfigError(
                f"SaccadeParams needs 0 < frame_us <= saccade_us, got {self.frame_us}, {self.saccade_us}"
            )


def saccade_path(motion: SaccadeParams) -> tuple[np.ndarray, np.ndarray]:
    """Timestamps [K] (us) and image offsets [K, 2] (x, y in pixels, centred on 0) of the motion."""
    corners = np.array([[0.0, 0.0], [0.5, 1.0], [1.0, 0.0], [0.0, 0.0]])
    corners = (corners - 0.5) * [motion.width_px, motion.height_px]
    steps = int(round(motion.saccade_us / motion.frame_us))
    u = np.arange(steps) / steps
    ease = (1.0 - np.cos(np.pi * u)) / 2.0  # zero speed at each corner
    path = [a + ease[:, None] * (b - a) for a, b in zip(corners[:-1], corners[1:])]
    offsets = np.concatenate(path + [corners[-1:]])
    times = np.round(np.arange(len(offsets)) * motion.saccade_us / steps).astype(np.int64)
    return times, offsets


def linear_weights(coords: np.ndarray, n_in: int) -> np.ndarray:
    """Linear-interpolation matrix [len(coords), n_in]: row i samples a signal at `coords[i]`.

    Multiplying an image by one such matrix per axis resamples it (e.g. up-sampling); samples
    outside the source fade to zero over one pixel.
    """
    return np.maximum(0.0, 1.0 - np.abs(np.asarray(coords, float)[:, None] - np.arange(n_in)))


def render_translations(images: np.ndarray, sensor_size: SensorSize, offsets: np.ndarray) -> np.ndarray:
    """Video [K, B, H, W] of images [B, h, w], centred on the sensor and shifted by offsets [K, 2].

    Bilinear sub-pixel shifts: each frame sums the image at the four whole-pixel shifts around its
    offset, weighted by the fractional parts (four slice additions, no interpolation matrices).
    """
    width, height = sensor_size[0], sensor_size[1]
    n_img, h, w = images.shape
    corner = np.asarray(offsets, dtype=np.float64) + [(width - w) / 2.0, (height - h) / 2.0]
    whole = np.floor(corner).astype(np.int64)
    frac = corner - whole
    # The canvas spans the sensor and every image position, so no slice needs clipping.
    lo = np.minimum(whole.min(axis=0), 0)
    hi = np.maximum(whole.max(axis=0) + [w + 1, h + 1], [width, height])
    canvas = np.zeros((len(corner), n_img, hi[1] - lo[1], hi[0] - lo[0]))
    for k, ((x, y), (fx, fy)) in enumerate(zip(whole - lo, frac)):
        for dy, wy in ((0, 1.0 - fy), (1, fy)):
            for dx, wx in ((0, 1.0 - fx), (1, fx)):
                canvas[k, :, y + dy:y + dy + h, x + dx:x + dx + w] += (wy * wx) * images
    return canvas[:, :, -lo[1]:height - lo[1], -lo[0]:width - lo[0]]


def saccade_events_batch(
    images: np.ndarray,
    sensor_size: SensorSize,
    params: SimulatorParams,
    rngs: Sequence[np.random.Generator],
    motion: SaccadeParams = SaccadeParams(),
) -> list[np.ndarray]:
    """`saccade_events` for B images [B, h, w] at once; image b depends on `rngs[b]` only."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3 or images.shape[1] > sensor_size[1] or images.shape[2] > sensor_size[0]:
        raise InvalidConfigError(
            f"images must be [B, h, w] no larger than the sensor {tuple(sensor_size)}, got {images.shape}"
        )
    times, offsets = saccade_path(motion)
    return simulate_videos(render_translations(images, sensor_size, offsets), times, params, rngs)


def saccade_events(
    image: np.ndarray,
    sensor_size: SensorSize,
    params: SimulatorParams,
    rng: np.random.Generator | int | None = None,
    motion: SaccadeParams = SaccadeParams(),
) -> np.ndarray:
    """Events of a static image [h, w] (intensities in [0, 1]) seen by a sensor making saccades."""
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise InvalidConfigError(f"image must be [h, w], got shape {image.shape}")
    return saccade_events_batch(image[None], sensor_size, params, [np.random.default_rng(rng)], motion)[0]
