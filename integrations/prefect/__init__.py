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
watch``. The names load on first use, so the ``runway`` command stays quick to start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runway.prefect.hooks import (
        Tracker,
        on_task_completion,
        on_task_failure,
        on_task_running,
    )
    from runway.prefect.wrap import track

_EXPORTS = {
    "Tracker": "runway.prefect.hooks",
    "on_task_completion": "runway.prefect.hooks",
    "on_task_failure": "runway.prefect.hooks",
    "on_task_running": "runway.prefect.hooks",
    "track": "runway.prefect.wrap",
}

__all__ = [
    "Tracker",
    "on_task_completion",
    "on_task_failure",
    "on_task_running",
    "track",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'runway.prefect' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
