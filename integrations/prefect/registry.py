"""The Runway runs of the Prefect flow runs and task runs this process is executing.

Hooks run in the process that runs the flow (a deployment run: its own subprocess), so this
in-memory map is enough for one run's hooks to find each other; a hook that finds nothing
(another process, a restart) attaches by the run's keyed id instead, which is the same run.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from runway_core.tracking import RunSession


@dataclass
class FlowEntry:
    run: RunSession
    options: Any  # the Tracker whose hooks started it
    starts: int = 1  # on_running calls: 1 + retries
    children: int = 0


@dataclass
class TaskEntry:
    run: RunSession
    flow: FlowEntry
    starts: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


_lock = threading.Lock()
_flows: dict[str, FlowEntry] = {}
_tasks: dict[str, TaskEntry] = {}


def flow(flow_run_id: Any) -> FlowEntry | None:
    with _lock:
        return _flows.get(str(flow_run_id))


def add_flow(flow_run_id: Any, entry: FlowEntry) -> FlowEntry:
    """Record ``entry`` unless another thread recorded this flow run first; returns the one kept."""
    with _lock:
        return _flows.setdefault(str(flow_run_id), entry)


def pop_flow(flow_run_id: Any) -> FlowEntry | None:
    with _lock:
        return _flows.pop(str(flow_run_id), None)


def task(task_run_id: Any) -> TaskEntry | None:
    with _lock:
        return _tasks.get(str(task_run_id))


def add_task(task_run_id: Any, entry: TaskEntry) -> TaskEntry:
    with _lock:
        return _tasks.setdefault(str(task_run_id), entry)


def pop_task(task_run_id: Any) -> TaskEntry | None:
    with _lock:
        return _tasks.pop(str(task_run_id), None)


def current_run() -> RunSession | None:
    """The run of the flow run the caller executes in (a flow body, or a task of it, in any
    thread Prefect runs it on): what ``runway.log()`` writes to without ``init()``."""
    if "prefect.context" not in sys.modules:
        return None
    from prefect.context import FlowRunContext, TaskRunContext

    task_ctx = TaskRunContext.get()
    if task_ctx is not None:
        entry = flow(task_ctx.task_run.flow_run_id)
        if entry is not None:
            return entry.run
    flow_ctx = FlowRunContext.get()
    if flow_ctx is not None and flow_ctx.flow_run is not None:
        entry = flow(flow_ctx.flow_run.id)
        if entry is not None:
            return entry.run
    return None
