"""Prefect flow and task hooks; the integration itself lands with its own issue."""
