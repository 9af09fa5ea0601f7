"""spikeslim.snn"""
