"""Device choice: CUDA where present, the `--device` flag overrides."""

from __future__ import annotations

import torch

from spikeslim.errors import InvalidConfigError


def resolve_device(name: str | None = None) -> torch.device:
    """`None` picks cuda if available, else cpu; a named device must exist on this machine."""
    if name is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as err:
        raise InvalidConfigError(f"--device {name!r} is not a device name (try cpu, cuda, cuda:1)") from err
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise InvalidConfigError(f"--device {name!r}: CUDA is not available on this machine; use cpu")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise InvalidConfigError(
                f"--device {name!r}: only {torch.cuda.device_count()} CUDA device(s) present"
            )
    return device
