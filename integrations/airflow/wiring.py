"""Callbacks for DAGs wired by hand instead of through the plugin: the same records. Pass
``default_args=callbacks()`` and ``**dag_callbacks()`` to ``@dag(...)``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from runway.airflow import recorder
from runway.airflow.facts import dag_run_from_context, task_from_instance
from runway.airflow.guard import guarded

Callback = Callable[[Mapping[str, Any]], None]


@guarded(task_end=False, plugin=False)
def on_execute(context: Mapping[str, Any], *, budget: float) -> None:
    recorder.task_started(dag_run_from_context(context), task_from_instance(context["ti"]), budget)


def _ended(state: str) -> Callback:
    @guarded(task_end=True, plugin=False)
    def ended(context: Mapping[str, Any], *, budget: float) -> None:
        task = task_from_instance(context["ti"], state)
        recorder.task_ended(dag_run_from_context(context), task, state, budget)

    ended.__name__ = f"on_{state}"
    return ended


on_success = _ended("success")
on_failure = _ended("failed")
on_retry = _ended("up_for_retry")
on_skipped = _ended("skipped")


def _dag_ended(state: str) -> Callback:
    @guarded(plugin=False)
    def ended(context: Mapping[str, Any], *, budget: float) -> None:
        recorder.dag_run_ended(dag_run_from_context(context), state, budget)

    ended.__name__ = f"on_dag_{state}"
    return ended


on_dag_success = _dag_ended("success")
on_dag_failure = _dag_ended("failed")


def callbacks() -> dict[str, Callback]:
    """Task callbacks for ``default_args`` (merge with your own: ``{**callbacks(), ...}``)."""
    return {
        "on_execute_callback": on_execute,
        "on_success_callback": on_success,
        "on_failure_callback": on_failure,
        "on_retry_callback": on_retry,
        "on_skipped_callback": on_skipped,
    }


def dag_callbacks() -> dict[str, Callback]:
    """The DAG-level pair, as keyword arguments of ``DAG(...)`` / ``@dag(...)``."""
    return {"on_success_callback": on_dag_success, "on_failure_callback": on_dag_failure}
