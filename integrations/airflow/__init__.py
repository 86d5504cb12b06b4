"""Airflow callbacks and listener plugin; the integration itself lands with its own issue."""
