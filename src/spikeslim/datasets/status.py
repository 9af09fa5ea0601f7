"""What `spikeslim datasets` shows: each registered dataset, whether it can be read, and its shape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spikeslim.datasets.registry import get_spec, names
from spikeslim.errors import DatasetMissingError


def dataset_rows(data_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """One row per dataset: name, status, split sizes, sensor (W x H x P), classes, how to get it.

    Real datasets are opened (a directory walk) to count their files; embedded ones are not, since
    opening them would generate them.
    """
    rows = []
    for name in names():
        spec = get_spec(name)
        row = {"dataset": name, "status": "ready", "train": "-", "test": "-",
               "sensor": "x".join(str(v) for v in spec.sensor_size), "classes": spec.n_classes,
               "how_to_get": ""}
        if spec.embedded:
            row["status"] = "embedded (generated on first use)"
        else:
            try:
                row["train"], row["test"] = (len(spec.open(s, Path(data_dir) if data_dir else None))
                                             for s in ("train", "test"))
            except DatasetMissingError:
                row["status"] = "missing (how to get it: below)"
                row["how_to_get"] = spec.how_to_get
        rows.append(row)
    return rows
