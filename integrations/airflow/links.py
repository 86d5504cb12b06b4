"""The "Runway run" button on every task instance in Airflow's UI."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseOperatorLink
from runway.airflow.facts import DagRunFacts, TaskFacts
from runway.airflow.recorder import task_run_id
from runway_core.config import resolve_tracking_uri, settings


def run_page(run_id: str) -> str:
    """The run's page in the dashboard (``RUNWAY_UI_URL``), else its record on the server."""
    ui = settings().ui_url
    if ui:
        return f"{ui.rstrip('/')}/run?run={run_id}"
    return f"{resolve_tracking_uri(None).rstrip('/')}/api/v1/runs/{run_id}"


class RunwayRunLink(BaseOperatorLink):
    name = "Runway run"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        dag_run = DagRunFacts(dag_id=ti_key.dag_id, run_id=ti_key.run_id)
        map_index = ti_key.map_index if ti_key.map_index is not None else -1
        task = TaskFacts(task_id=ti_key.task_id, map_index=map_index)
        return run_page(task_run_id(dag_run, task))
