"""Metric packing and downsampling."""
