"""Atomic file writes: a crash or Ctrl-C mid-write never leaves a half-written output, and a
failed write is one OutputError naming the file."""

from __future__ import annotations

import glob
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from spikeslim.errors import OutputError


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; it replaces `path` only if the block succeeds.

    Failing to write (permissions, a folder in the way, a full disk) raises OutputError naming
    `path`. Temporaries that a killed process left beside `path` are removed first.
    """
    target = Path(path)
    blocker = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise OutputError(f"{target}: cannot write there, {blocker} is a file where a folder is needed")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(target)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as err:
        raise OutputError(f"{target}: cannot write there ({describe(err)})") from err
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp creates 0600 files; give outputs the usual permissions (shared caches, results).
        os.chmod(tmp_path, 0o666 & ~_umask())
        if target.is_dir():
            raise OutputError(f"{target} is a folder; a file is written here, so name a file")
        os.replace(tmp_path, target)
    except OSError as err:
        # Errors of the block's own writes name the temporary (or nothing): report the real target.
        if isinstance(err, OutputError) or err.filename not in (None, str(tmp_path), os.fspath(target)):
            raise
        raise OutputError(f"{target}: cannot write ({describe(err)})") from err
    finally:
        tmp_path.unlink(missing_ok=True)


def remove_leftovers(target: Path) -> None:
    """Delete `.<name>.<pid>.*.tmp` files beside `target` whose writing process no longer runs."""
    prefix = f".{target.name}."
    for tmp in target.parent.glob(f"{glob.escape(prefix)}*.tmp"):
        pid = tmp.name[len(prefix):].split(".", 1)[0]
        if not (pid.isdigit() and _alive(int(pid))):
            tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def describe(err: OSError) -> str:
    """`Permission denied`, `No space left on device`...: an OSError's reason without its repr."""
    return err.strerror or str(err)


def write_torch(path: str | os.PathLike[str], obj: Any) -> None:
    """`torch.save` atomically; torch reports a failed write (full disk) as RuntimeError: name the path."""
    import torch

    with atomic_path(path) as tmp:
        try:
            torch.save(obj, tmp)
        except RuntimeError as err:
            raise OutputError(f"{os.fspath(path)}: cannot write ({str(err).splitlines()[0] if str(err) else err})") from err


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write `obj` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False, default=_jsonable) + "\n")


def write_text(path: str | os.PathLike[str], text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def _jsonable(obj: Any) -> Any:
    """numpy scalars/arrays and paths appear in results; JSON has no type for them."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
