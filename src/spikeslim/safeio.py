"""Reading files that anyone could have written or edited: set files, checkpoints, .npy recordings.

Three rules hold for every loader that uses this module: nothing is unpickled (arrays with object
dtypes are refused, torch files load with `weights_only=True`), no byte is allocated before the
file's own header has been checked against the bytes that are really there and against
`max_bytes()`, and every failure is one `error(...)` whose message starts with the file's path.

Deflate cannot expand one byte into more than 1032, so an archive member that claims more than
1032 times its compressed size is a lie (or a decompression bomb) and is refused unread.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

DEFLATE_MAX_RATIO = 1032
#: Arrays and files above this many bytes are refused (override: $SPIKESLIM_MAX_BYTES).
DEFAULT_MAX_BYTES = 1 << 30
_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def max_bytes() -> int:
    """The size limit of one file or array read from outside; `$SPIKESLIM_MAX_BYTES` overrides 1 GiB."""
    text = os.environ.get("SPIKESLIM_MAX_BYTES", "")
    return int(text) if text.isdigit() else DEFAULT_MAX_BYTES


class NpyHeader(NamedTuple):
    shape: tuple[int, ...]
    dtype: np.dtype
    fortran: bool

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=object)) * self.dtype.itemsize


def read_npy_header(fh: Any, source: str, error: type[Exception]) -> NpyHeader:
    """Parse an .npy header from `fh` (left at the first data byte); refuse object dtypes."""
    try:
        major, _ = np.lib.format.read_magic(fh)
        read = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(fh)
    except (ValueError, OSError, EOFError, TypeError, SyntaxError) as err:
        raise error(f"{source}: not a readable .npy array ({err})") from err
    if dtype.hasobject:
        raise error(f"{source}: holds Python objects (dtype {dtype}); only plain numeric arrays are read")
    if any(s < 0 for s in shape):
        raise error(f"{source}: header claims a negative shape {shape}")
    return NpyHeader(tuple(int(s) for s in shape), dtype, bool(fortran))


def _check_size(header: NpyHeader, available: int, source: str, error: type[Exception], limit: int | None) -> None:
    if header.nbytes > available:
        raise error(f"{source}: header promises {header.dtype} {header.shape} ({header.nbytes:,} bytes) "
                    f"but only {available:,} bytes follow it (truncated or forged)")
    if limit is not None and header.nbytes > limit:
        raise error(f"{source}: array {header.dtype} {header.shape} is {header.nbytes:,} bytes, over the "
                    f"{limit:,}-byte limit (raise it with SPIKESLIM_MAX_BYTES if the file is genuine)")


def _read_data(fh: Any, header: NpyHeader, source: str, error: type[Exception]) -> np.ndarray:
    buf = bytearray(header.nbytes)
    if fh.readinto(memoryview(buf)) != header.nbytes:
        raise error(f"{source}: array data ends early (truncated file)")
    arr = np.frombuffer(buf, dtype=header.dtype)
    return arr.reshape(header.shape, order="F" if header.fortran else "C")


def load_npy(path: str | os.PathLike[str], error: type[Exception], *, mmap: bool = False) -> np.ndarray:
    """One .npy file, its header checked against the file's size and `max_bytes()` first."""
    source = os.fspath(path)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            header = read_npy_header(fh, source, error)
            offset = fh.tell()
            _check_size(header, size - offset, source, error, None if mmap else max_bytes())  # a map allocates nothing
            if mmap:
                return np.load(path, mmap_mode="r", allow_pickle=False)
            return _read_data(fh, header, source, error)
    except OSError as err:
        raise error(f"{source}: cannot be read ({err.strerror or err})") from err


def load_npz(path: str | os.PathLike[str], names: tuple[str, ...], error: type[Exception]) -> dict[str, np.ndarray]:
    """The arrays `names` of an .npz (a zip of .npy files); absent names are left out of the result.

    Each member's claimed size is checked against its compressed size, its header against its
    claimed size, and the total against `max_bytes()`, all before the member is decompressed.
    """
    source = os.fspath(path)
    limit = max_bytes()
    try:
        file_size = os.path.getsize(path)
        with zipfile.ZipFile(path) as zf:
            members = {info.filename[:-4]: info for info in zf.infolist() if info.filename.endswith(".npy")}
            headers = {}
            for name in (n for n in names if n in members):
                info = members[name]
                _check_member(info, file_size, f"{source}[{name}]", error)
                with zf.open(info) as fh:
                    header = read_npy_header(fh, f"{source}[{name}]", error)
                    _check_size(header, info.file_size - fh.tell(), f"{source}[{name}]", error, limit)
                headers[name] = header
            total = sum(h.nbytes for h in headers.values())
            if total > limit:
                raise error(f"{source}: its arrays hold {total:,} bytes, over the {limit:,}-byte limit "
                            "(raise it with SPIKESLIM_MAX_BYTES if the file is genuine)")
            out = {}
            for name, header in headers.items():
                with zf.open(members[name]) as fh:
                    read_npy_header(fh, source, error)
                    out[name] = _read_data(fh, header, f"{source}[{name}]", error)
            return out
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, EOFError, RuntimeError,
            UnicodeDecodeError) as err:
        raise error(f"{source}: not a readable .npz archive ({err})") from err
    except OSError as err:
        raise error(f"{source}: cannot be read ({err.strerror or err})") from err


def _check_member(info: zipfile.ZipInfo, file_size: int, source: str, error: type[Exception]) -> None:
    """Refuse a zip member whose claimed size its compressed bytes cannot hold."""
    if info.compress_type not in _ZIP_METHODS:
        raise error(f"{source}: compressed with method {info.compress_type}; only stored and deflate are read")
    room = info.compress_size if info.compress_type == zipfile.ZIP_STORED else DEFLATE_MAX_RATIO * info.compress_size
    if info.compress_size > file_size or info.file_size > room + 64:
        raise error(f"{source}: claims {info.file_size:,} bytes from {info.compress_size:,} compressed "
                    "(more than compression can hold: forged or a decompression bomb)")


def check_zip(path: str | os.PathLike[str], error: type[Exception]) -> None:
    """Refuse a zip whose members claim more than their compressed bytes or `max_bytes()` allow."""
    source = os.fspath(path)
    try:
        file_size = os.path.getsize(path)
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, UnicodeDecodeError) as err:  # a damaged member name fails to decode
        raise error(f"{source}: not a readable archive ({err})") from err
    except OSError as err:
        raise error(f"{source}: cannot be read ({err.strerror or err})") from err
    for info in infos:
        _check_member(info, file_size, f"{source}[{info.filename}]", error)
    total, limit = sum(info.file_size for info in infos), max_bytes()
    if total > limit:
        raise error(f"{source}: unpacks to {total:,} bytes, over the {limit:,}-byte limit "
                    "(raise it with SPIKESLIM_MAX_BYTES if the file is genuine)")


def load_torch(path: str | os.PathLike[str], error: type[Exception]) -> Any:
    """A torch file loaded with `weights_only=True` (tensors and plain containers, never code)."""
    import torch

    source = os.fspath(path)
    if not Path(path).is_file():
        raise error(f"{source}: no such file")
    check_zip(path, error)
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many types for truncated, forged or pickled files
        raise error(f"{source}: cannot be read safely ({first_line(err)})") from err


def cached_json(path: str | os.PathLike[str], *keys: str) -> dict[str, Any] | None:
    """A JSON object spikeslim cached at `path`, or None if it is absent, damaged or lacks `keys`
    (a cache is recomputed, never trusted)."""
    try:
        if os.path.getsize(path) > max_bytes():
            return None
        obj = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return obj if isinstance(obj, dict) and all(k in obj for k in keys) else None


def check_file_size(path: str | os.PathLike[str], limit: int, error: type[Exception]) -> None:
    """Refuse a file larger than `limit` bytes before reading it."""
    try:
        size = os.path.getsize(path)
    except OSError as err:
        raise error(f"{os.fspath(path)}: cannot be read ({err.strerror or err})") from err
    if size > limit:
        raise error(f"{os.fspath(path)}: {size:,} bytes, over the {limit:,}-byte limit for this kind of file")


def first_line(err: BaseException) -> str:
    """A library exception's message squeezed onto one line (torch's span several)."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return " ".join(lines[:2])[:300] if lines else type(err).__name__
