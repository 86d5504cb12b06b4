"""Prefect flow and task hooks (the integration lands with its own issue; this reserves runway.prefect)."""
