"""spikeslim.latency"""
