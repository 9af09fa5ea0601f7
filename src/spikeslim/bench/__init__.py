"""Measuring and reporting: seed statistics, Markdown/JSON tables and PNG plots for benchmarks."""

from spikeslim.bench.report import markdown_table, mean_std, plot_xy, write_report

__all__ = ["markdown_table", "mean_std", "plot_xy", "write_report"]
