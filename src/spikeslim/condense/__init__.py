"""spikeslim.condense"""
