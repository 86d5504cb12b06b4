"""Runway package."""
