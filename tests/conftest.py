"""Shared fixtures: a private cache folder for the whole session, the eager LIF path, and where
the real N-MNIST subset lives (never copied into the project)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest


@pytest.fixture(scope="session")
def nmnist_small_dir() -> Path:
    """`SPIKESLIM_NMNIST_SMALL` or `<repo>/../shared/data/nmnist-small`; skips the test if absent."""
    env = os.environ.get("SPIKESLIM_NMNIST_SMALL")
    path = Path(env) if env else Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "nmnist-small"
    if not (path / "Train").is_dir():
        pytest.skip(f"real N-MNIST subset not found at {path} (set SPIKESLIM_NMNIST_SMALL)")
    return path


@pytest.fixture(scope="session", autouse=True)
def eager_neurons() -> Iterator[None]:
    """The eager LIF path for the suite, as each new neuron configuration would cost a compile of
    its own (seconds); tests/snn/test_fused.py switches the compiled kernels back on. A value set
    outside is kept: `SPIKESLIM_COMPILE=1 pytest tests/snn` runs every neuron test compiled."""
    with pytest.MonkeyPatch.context() as patch:
        if "SPIKESLIM_COMPILE" not in os.environ:
            patch.setenv("SPIKESLIM_COMPILE", "0")
        yield


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory) -> Iterator[Path]:
    """`SPIKESLIM_CACHE` points at a session folder, so no test writes generated datasets or
    frames into the user's ~/.cache; one folder for the session, so each is generated once."""
    folder = tmp_path_factory.mktemp("spikeslim-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPIKESLIM_CACHE", str(folder))
        yield folder
