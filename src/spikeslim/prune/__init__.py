"""spikeslim.prune"""
