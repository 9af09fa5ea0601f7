"""Pictures of count frames: ON events in red, OFF in blue, one panel (PNG) or frame (GIF) per bin.

Real samples and distilled sets are drawn by the same code, so they can be compared by eye.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import numpy as np

from spikeslim.errors import InvalidConfigError
from spikeslim.files import atomic_path

ON_RGB = np.array([0.85, 0.1, 0.1])
OFF_RGB = np.array([0.1, 0.3, 0.9])
FORMATS = (".png", ".gif")


def to_rgb(frame: np.ndarray, scale: float) -> np.ndarray:
    """[2, H, W] counts -> [H, W, 3] colours on white: OFF (channel 0) blue, ON (channel 1) red."""
    off, on = (np.clip(frame[c].astype(np.float64) / max(scale, 1.0), 0, 1)[..., None] for c in (0, 1))
    return np.clip(1.0 - on * (1.0 - ON_RGB) - off * (1.0 - OFF_RGB), 0.0, 1.0)


def render_grid(grid: np.ndarray, row_names: Sequence[str], out: str | os.PathLike[str],
                title: str = "") -> Path:
    """Draw frames [R, T, 2, H, W]: PNG = R rows x T columns; GIF = one image per time bin.

    Colours share one scale per row (its largest count), so bins of a sample compare directly.
    """
    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        raise InvalidConfigError(f"{out}: output must end in .png or .gif")
    grid = np.asarray(grid)
    if grid.ndim != 5 or grid.shape[2] != 2:
        raise InvalidConfigError(f"frames to draw must be [rows, T, 2, H, W], got shape {grid.shape}")
    scales = [float(np.percentile(row[row > 0], 99)) if row.any() else 1.0 for row in grid]
    rgb = np.stack([[to_rgb(f, s) for f in row] for row, s in zip(grid, scales)])
    if out.suffix.lower() == ".png":
        _save_png(rgb, row_names, out, title)
    else:
        _save_gif(rgb, row_names, out, title)
    return out


def render_sample(frames: np.ndarray, out: str | os.PathLike[str], title: str = "") -> Path:
    """Draw one sample's frames [T, 2, H, W]."""
    return render_grid(np.asarray(frames)[None], [""], out, title)


def _figure(n_rows: int, n_cols: int):
    """An off-screen Agg figure: no pyplot, so no global backend state is touched."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    size = 1.3
    fig = Figure(figsize=(size * n_cols + 0.8, size * n_rows + 0.6))
    FigureCanvasAgg(fig)
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    return fig, axes


def _save_png(rgb: np.ndarray, row_names: Sequence[str], out: Path, title: str) -> None:
    fig, axes = _figure(*rgb.shape[:2])
    for r, row in enumerate(rgb):
        axes[r, 0].set_ylabel(row_names[r])
        for t, image in enumerate(row):
            axes[r, t].imshow(image, interpolation="nearest")
            if r == 0:
                axes[r, t].set_title(f"t{t}", fontsize=8)
    fig.suptitle(title + "  (red ON, blue OFF)")
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png", dpi=100)


def _save_gif(rgb: np.ndarray, row_names: Sequence[str], out: Path, title: str) -> None:
    from PIL import Image  # installed with matplotlib, which needs it

    fig, axes = _figure(1, rgb.shape[0])
    images = []
    for t in range(rgb.shape[1]):
        for r, ax in enumerate(axes[0]):
            ax.clear()
            ax.set_xticks([])
            ax.set_yticks([])
            ax.imshow(rgb[r, t], interpolation="nearest")
            ax.set_xlabel(row_names[r])
        fig.suptitle(f"{title}  bin {t + 1}/{rgb.shape[1]}  (red ON, blue OFF)")
        fig.canvas.draw()
        images.append(Image.fromarray(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()))
    with atomic_path(out) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=300, loop=0)
