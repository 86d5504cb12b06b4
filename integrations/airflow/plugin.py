"""The Airflow plugin (entry point ``airflow.plugins``): installing ``runway-tracker[airflow]``
where Airflow runs is all it takes to record every DAG run; ``RUNWAY_AIRFLOW_ENABLED=false``
turns it off."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin
from runway.airflow import listener
from runway.airflow.links import RunwayRunLink


class RunwayPlugin(AirflowPlugin):
    name = "runway"
    listeners = [listener]
    global_operator_extra_links = [RunwayRunLink()]
