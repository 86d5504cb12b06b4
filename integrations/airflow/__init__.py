"""Airflow callbacks and listener plugin (the integration lands with its own issue; reserves runway.airflow)."""
