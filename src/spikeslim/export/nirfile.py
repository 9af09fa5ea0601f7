"""NIR files (HDF5 via `nir.write` / `nir.read`, never pickle): written atomically, errors name the file."""

from __future__ import annotations

import os
from typing import Any

import nir

from spikeslim.errors import ExportError
from spikeslim.export.graph import to_nir
from spikeslim.export.neurons import DEFAULT_DT
from spikeslim.files import atomic_path


def write_nir(path: str | os.PathLike[str], graph: nir.NIRGraph) -> int:
    """Write `graph` to `path` atomically; returns the file's size in bytes."""
    with atomic_path(path) as tmp:
        nir.write(tmp, graph)
    return os.path.getsize(path)


def read_nir(path: str | os.PathLike[str]) -> nir.NIRGraph:
    """Read a NIR file; a missing or unreadable file is a one-line ExportError naming it."""
    if not os.path.isfile(path):
        raise ExportError(f"NIR file {os.fspath(path)!r} does not exist")
    try:
        return nir.read(path)
    except Exception as err:  # h5py and nir raise many types for foreign or truncated files
        raise ExportError(f"NIR file {os.fspath(path)!r} cannot be read: {err}") from err


def export_checkpoint(checkpoint: str | os.PathLike[str], out: str | os.PathLike[str], *,
                      dt: float = DEFAULT_DT) -> dict[str, Any]:
    """`spikeslim export-nir`: the checkpoint's network as a NIR file; returns what was written.

    The metadata carry the checkpoint's FrameSpec settings (only T for frames of no dataset), so a
    consumer can bin its events the same way."""
    from spikeslim.train.checkpoint import frame_spec, load_model

    model, ckpt = load_model(checkpoint, "cpu")
    data = ckpt["data"]
    frames = frame_spec(ckpt, checkpoint).settings() if data.get("dataset") is not None else {"T": int(data["T"])}
    meta = {"model": str(ckpt["model"]), **frames}
    graph = to_nir(model.eval(), data["in_shape"], dt=dt, metadata=meta)
    size = write_nir(out, graph)
    return {"out": os.fspath(out), "bytes": size, "nodes": len(graph.nodes), "dt": dt, **meta}
