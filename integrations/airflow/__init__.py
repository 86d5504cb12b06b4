"""Runway for Apache Airflow 3: a listener plugin that records every DAG run and task instance
(installed with ``runway-tracker[airflow]``), callbacks for wiring it by hand, a launcher that
triggers DAG runs for sweeps (``runway.airflow.launcher``) and ``runway import airflow``.

``from runway.airflow import callbacks, dag_callbacks`` then
``@dag(default_args=callbacks(), **dag_callbacks())``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runway.airflow.wiring import callbacks, dag_callbacks

__all__ = ["callbacks", "dag_callbacks"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: `runway import airflow` needs none of the tracking machinery.
    if name in __all__:
        from runway.airflow import wiring as module

        return getattr(module, name)
    raise AttributeError(f"module 'runway.airflow' has no attribute {name!r}")
