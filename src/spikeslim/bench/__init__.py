"""Measuring for benchmarks: the protocol's splits, cell stores, paired statistics and summaries."""
