"""Pictures for `spikeslim show`: one recording of a dataset, or every class of a synthetic set."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from spikeslim.datasets.base import FrameSpec
from spikeslim.datasets.loading import binner_for
from spikeslim.datasets.registry import get_spec, open_split
from spikeslim.datasets.setfile import load_set
from spikeslim.errors import InvalidConfigError
from spikeslim.events.render import render_grid, render_sample


def show_sample(spec: FrameSpec, split: str, index: int, out: str | os.PathLike[str]) -> Path:
    """Bin recording `index` of a dataset split as `spec` says and draw it, one panel (PNG) or
    frame (GIF) per bin."""
    name = spec.dataset
    events_split = open_split(name, split, spec.data_dir)
    if not 0 <= index < len(events_split):
        raise InvalidConfigError(f"--index {index} is outside {name} {split} (0-{len(events_split) - 1})")
    events, label = events_split[index]
    frames = binner_for(spec)(events)
    title = (f"{name} {split} #{index}: {get_spec(name).class_names[label]} ({len(events)} events, "
             f"T={spec.T} by {spec.binning})")
    return render_sample(frames, out, title)


def show_set(path: str | os.PathLike[str], out: str | os.PathLike[str], index: int = 0) -> Path:
    """Draw a synthetic set (.npz): rows are classes (the class's `index`-th sample), columns time bins."""
    fs = load_set(path)
    classes = [c for c in range(fs.n_classes) if np.any(fs.labels == c)]
    picks = [np.flatnonzero(fs.labels == c)[index % np.count_nonzero(fs.labels == c)] for c in classes]
    names = fs.meta.get("class_names") or [str(c) for c in range(fs.n_classes)]
    dataset = fs.spec.dataset if fs.spec is not None else "?"
    title = f"{Path(path).name}: {fs.meta.get('method', 'set')} of {dataset}, {len(fs)} samples"
    return render_grid(np.asarray(fs.frames)[picks], [str(names[c]) for c in classes], out, title)
