"""Results as files people open (benchmarks, the demo, CLI tables): JSON, Markdown tables, PNG plots."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping, Sequence

from spikeslim.files import atomic_path, write_json, write_text


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1; 0.0 for a single value) of seed results."""
    vals = [float(v) for v in values]
    if not vals:
        raise ValueError("mean_std of no values")
    mean = sum(vals) / len(vals)
    if len(vals) == 1:
        return mean, 0.0
    var = sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)
    return mean, math.sqrt(var)


def format_mean_std(values: Sequence[float], scale: float = 100.0, digits: int = 1) -> str:
    """'84.4 ± 1.2' for accuracies given as fractions (scale 100); seeds shown as (n=3)."""
    mean, std = mean_std(values)
    return f"{mean * scale:.{digits}f} ± {std * scale:.{digits}f}"


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A GitHub-flavoured Markdown table; columns default to the keys of the first row."""
    if not rows:
        return ""
    cols = list(columns) if columns is not None else list(rows[0].keys())
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c, "")) for c in cols) + " |")
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|")


def write_report(
    out_dir: str | Path,
    name: str,
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    *,
    title: str | None = None,
    notes: str = "",
) -> tuple[Path, Path]:
    """Write `name.json` (all rows, all keys) and `name.md` (the table), each atomically."""
    out = Path(out_dir)
    json_path, md_path = out / f"{name}.json", out / f"{name}.md"
    write_json(json_path, {"name": name, "rows": list(rows)})
    heading = f"# {title}\n\n" if title else ""
    tail = f"\n{notes.strip()}\n" if notes.strip() else ""
    write_text(md_path, heading + markdown_table(rows, columns) + tail)
    return json_path, md_path


def plot_xy(
    path: str | Path,
    series: Mapping[str, tuple[Sequence[float], Sequence[float], Sequence[float] | None]],
    *,
    xlabel: str,
    ylabel: str,
    title: str = "",
    logx: bool = False,
) -> Path:
    """Line plot, one line per series name -> (x, y, yerr or None), saved as PNG atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6 + 2 * (len(series) > 5), 4), dpi=120)
    colours = plt.get_cmap("tab20" if len(series) > 10 else "tab10").colors
    markers = "osD^v<>p*h"  # with more than ten series colours cycle, so markers keep lines apart
    for i, (label, (x, y, yerr)) in enumerate(series.items()):
        ax.errorbar(list(x), list(y), yerr=None if yerr is None else list(yerr), marker=markers[i % len(markers)],
                    color=colours[i % len(colours)], capsize=3, label=label)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    if len(series) > 5:  # beside the axes, where it cannot hide a point
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    else:
        ax.legend(fontsize=8)
    fig.tight_layout()
    target = Path(path)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return target
