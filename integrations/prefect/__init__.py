"""Runway for Prefect 3: every flow run becomes a Runway run, its task runs and subflow runs
child runs of it, with one decorator line::

    import runway.prefect
    from prefect import flow

    @runway.prefect.track(project="digits")
    @flow
    def train(lr: float = 0.1): ...

Hooks for wiring by hand: ``Tracker(...).on_flow_running`` (and ``on_flow_completion``,
``on_flow_failure``, ``on_flow_crashed``, ``on_flow_cancellation``) for flows;
``on_task_running``, ``on_task_completion``, ``on_task_failure`` for tasks. Inside a tracked
flow or its tasks, ``runway.log(...)`` writes to the flow's run with no ``init()``.
Sweeps: ``runway.prefect.launcher.PrefectLauncher``; no Runway code at all: ``runway prefect
watch``.
"""

from __future__ import annotations

from runway.prefect import registry
from runway.prefect.hooks import (
    Tracker,
    on_task_completion,
    on_task_failure,
    on_task_running,
)
from runway.prefect.track import track
from runway_core.tracking import register_run_resolver

register_run_resolver(registry.current_run)

__all__ = [
    "Tracker",
    "on_task_completion",
    "on_task_failure",
    "on_task_running",
    "track",
]
