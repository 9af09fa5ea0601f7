"""Outputs that cannot be written, and temporaries that a killed run left behind."""

import errno
import os
import subprocess
import sys

import pytest

from spikeslim.errors import OutputError
from spikeslim.files import atomic_path, remove_leftovers, write_json, write_text, write_torch


def test_a_folder_where_the_file_belongs_is_named(tmp_path):
    (tmp_path / "out.json").mkdir()
    with pytest.raises(OutputError, match=f"{tmp_path / 'out.json'} is a folder; a file is written here"):
        write_json(tmp_path / "out.json", {})
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary left


def test_a_file_where_a_folder_belongs_is_named(tmp_path):
    (tmp_path / "runs").write_text("x")
    with pytest.raises(OutputError, match=f"{tmp_path / 'runs'} is a file where a folder is needed"):
        write_json(tmp_path / "runs" / "a" / "results.json", {})


@pytest.mark.parametrize("code, reason", [(errno.EACCES, "Permission denied"), (errno.EROFS, "Read-only file system")])
def test_an_unwritable_folder_is_named(tmp_path, monkeypatch, code, reason):
    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(tmp_path))

    monkeypatch.setattr("tempfile.mkstemp", refuse)
    with pytest.raises(OutputError, match=f"{tmp_path / 'r.json'}: cannot write there \\({reason}\\)"):
        write_json(tmp_path / "r.json", {})


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permissions")
def test_a_read_only_folder_is_named(tmp_path):
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="Permission denied"):
            write_text(tmp_path / "r.txt", "x")
    finally:
        tmp_path.chmod(0o755)


def test_a_full_disk_is_named_with_the_target_not_the_temporary(tmp_path, monkeypatch):
    target = tmp_path / "r.txt"
    with pytest.raises(OutputError, match=f"^{target}: cannot write \\(No space left on device\\)$"):
        with atomic_path(target):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    import torch

    def full(*args, **kwargs):
        raise RuntimeError("PytorchStreamWriter failed writing file data/0: file write failed")

    monkeypatch.setattr(torch, "save", full)
    with pytest.raises(OutputError, match=f"{tmp_path / 'c.pt'}: cannot write \\(PytorchStreamWriter failed"):
        write_torch(tmp_path / "c.pt", {})
    assert list(tmp_path.iterdir()) == []


def test_errors_reading_other_files_inside_the_block_are_not_relabelled(tmp_path):
    with pytest.raises(FileNotFoundError):
        with atomic_path(tmp_path / "out.txt"):
            (tmp_path / "absent.txt").read_text()


def test_a_killed_writers_temporaries_are_removed_by_the_next_write(tmp_path):
    target = tmp_path / "frames.npy"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".frames.npy.{dead.stdout.strip()}.abc123.tmp"
    old_style = tmp_path / ".frames.npy.k3j4h5.tmp"
    live = tmp_path / f".frames.npy.{os.getpid()}.xyz.tmp"  # a writer still running (this process)
    other = tmp_path / f".other.npy.{dead.stdout.strip()}.abc.tmp"
    for p in (stale, old_style, live, other):
        p.write_bytes(bytes(1000))
    write_text(target, "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([target.name, live.name, other.name])
    remove_leftovers(tmp_path / "other.npy")
    assert not other.exists()
