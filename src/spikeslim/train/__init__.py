"""spikeslim.train"""
