"""Runway's domain: models, stores, search and configuration, free of web and UI imports."""

__version__ = "0.1.0"
