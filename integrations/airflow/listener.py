"""The listener the plugin registers: Airflow calls these hooks in the task's process (task
instances) and in the scheduler or API server (DAG runs). Each hook records, never raises, and
waits for the Runway server at most ``RUNWAY_AIRFLOW_TIMEOUT`` seconds;
``RUNWAY_AIRFLOW_ENABLED=false`` turns them all off.
"""

from __future__ import annotations

from typing import Any

from airflow.listeners import hookimpl
from runway.airflow import recorder
from runway.airflow.facts import (
    DagRunFacts,
    dag_run_from_context,
    dag_run_from_orm,
    task_from_instance,
    tasks_never_run,
)
from runway.airflow.guard import guarded


def _dag_run_of(task_instance: Any) -> DagRunFacts:
    get_context = getattr(task_instance, "get_template_context", None)
    if get_context is not None:  # a RuntimeTaskInstance, in the task's process
        return dag_run_from_context(get_context())
    dag_run = getattr(task_instance, "dag_run", None)  # an ORM TaskInstance (UI, API)
    if dag_run is None:
        return DagRunFacts(dag_id=task_instance.dag_id, run_id=task_instance.run_id)
    return dag_run_from_orm(dag_run)


@hookimpl
@guarded(task_end=False)
def on_task_instance_running(previous_state: Any, task_instance: Any, *, budget: float) -> None:
    recorder.task_started(_dag_run_of(task_instance), task_from_instance(task_instance), budget)


@hookimpl
@guarded(task_end=True)
def on_task_instance_success(previous_state: Any, task_instance: Any, *, budget: float) -> None:
    task = task_from_instance(task_instance, "success")
    recorder.task_ended(_dag_run_of(task_instance), task, "success", budget)


@hookimpl
@guarded(task_end=True)
def on_task_instance_failed(
    previous_state: Any, task_instance: Any, error: Any, *, budget: float
) -> None:
    # Also called for a try that will be retried: the task instance's state tells.
    task = task_from_instance(task_instance)
    retried = task.state == "up_for_retry" or (
        task.state != "failed" and task.max_tries is not None and task.try_number <= task.max_tries
    )
    state = "up_for_retry" if retried else "failed"
    recorder.task_ended(_dag_run_of(task_instance), task, state, budget)


@hookimpl
@guarded(task_end=True)
def on_task_instance_skipped(previous_state: Any, task_instance: Any, *, budget: float) -> None:
    task = task_from_instance(task_instance, "skipped")
    recorder.task_ended(_dag_run_of(task_instance), task, "skipped", budget)


@hookimpl
@guarded()
def on_dag_run_running(dag_run: Any, msg: str, *, budget: float) -> None:
    recorder.dag_run_running(dag_run_from_orm(dag_run), budget)


@hookimpl
@guarded()
def on_dag_run_success(dag_run: Any, msg: str, *, budget: float) -> None:
    recorder.dag_run_ended(dag_run_from_orm(dag_run), "success", budget, tasks_never_run(dag_run))


@hookimpl
@guarded()
def on_dag_run_failed(dag_run: Any, msg: str, *, budget: float) -> None:
    recorder.dag_run_ended(dag_run_from_orm(dag_run), "failed", budget, tasks_never_run(dag_run))
