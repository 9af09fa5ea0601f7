"""Shared fixtures: where the real N-MNIST subset lives (never copied into the project)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def nmnist_small_dir() -> Path:
    """`SPIKESLIM_NMNIST_SMALL` or `<repo>/../shared/data/nmnist-small`; skips the test if absent."""
    env = os.environ.get("SPIKESLIM_NMNIST_SMALL")
    path = Path(env) if env else Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "nmnist-small"
    if not (path / "Train").is_dir():
        pytest.skip(f"real N-MNIST subset not found at {path} (set SPIKESLIM_NMNIST_SMALL)")
    return path
