"""spikeslim.bench"""
