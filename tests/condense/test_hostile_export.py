"""Exports into folders that already hold files: refused, or replaced whole with --overwrite."""

import numpy as np
import pytest

from spikeslim.condense.export import export_events
from spikeslim.datasets.base import FrameSet
from spikeslim.errors import InvalidConfigError, OutputError


def toy(n, classes):
    frames = np.ones((n, 2, 2, 3, 3), dtype=np.uint8)
    return FrameSet(frames, np.arange(n) % classes, classes)


def exported(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_a_non_empty_folder_is_refused_and_left_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=f"{tmp_path} is not empty; exporting there would mix"):
        export_events(toy(2, 2), tmp_path, duration_us=1000, progress=False)
    assert exported(tmp_path) == ["notes.txt"]


def test_overwrite_replaces_an_earlier_export_and_keeps_other_files(tmp_path):
    export_events(toy(6, 3), tmp_path, duration_us=1000, progress=False)
    (tmp_path / "notes.txt").write_text("mine")
    export_events(toy(2, 1), tmp_path, duration_us=1000, overwrite=True, progress=False)
    assert exported(tmp_path) == ["0/00001.bin", "0/00001.npy", "0/00002.bin", "0/00002.npy", "events.json",
                                  "notes.txt"]


def test_a_file_as_the_folder_and_a_too_short_duration_are_refused(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError, match="is a file; --out names the folder"):
        export_events(toy(1, 1), tmp_path / "f", duration_us=1000, progress=False)
    with pytest.raises(InvalidConfigError, match="--duration-us 1 is not a multiple of T=2"):
        export_events(toy(1, 1), tmp_path / "e", duration_us=1, progress=False)

