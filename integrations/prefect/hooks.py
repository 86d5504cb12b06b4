"""Prefect state hooks that record flow runs as Runway runs and task runs as their child runs.

``Tracker(project=…, experiment=…)`` holds the options; its ``on_flow_*`` methods are flow hooks
and the module's ``on_task_*`` functions are task hooks (a task run is recorded when its flow
run is tracked in this process). A hook never raises and never waits on the network: writes go
through the background sender and the spool, so a Runway server that is down cannot fail or
slow the flow.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from typing import Any

from runway.prefect import links, registry
from runway.prefect.values import (
    epoch_ms,
    final_status,
    final_tags,
    flow_run_key,
    numeric_metrics,
    params_of,
    state_type,
    task_run_key,
    trial_run_id,
)
from runway_core import tracking
from runway_core.tracking import RunSession

log = logging.getLogger("runway.prefect")
# runway.log() in a tracked flow or task finds the flow's run (no init()).
tracking.register_run_resolver(registry.current_run)
# How long a flow's final hook waits for its run's writes to be sent or spooled.
FINAL_FLUSH_SECONDS = 2.0


def _final_status(state: Any) -> str:
    return final_status(state, interrupted=tracking.interrupted())


def _guarded(hook: Callable[..., None]) -> Callable[..., None]:
    """A hook that logs its own failure instead of raising into Prefect."""

    def run_hook(*args: Any) -> None:
        try:
            hook(*args)
        except Exception:
            log.warning("runway: recording a Prefect run failed; the run goes on", exc_info=True)

    run_hook.__name__ = run_hook.__qualname__ = f"runway_{hook.__name__.lstrip('_')}"
    run_hook.__doc__ = hook.__doc__
    return run_hook


def _outside_context(fn: Callable[..., RunSession], *args: Any, **kwargs: Any) -> RunSession:
    # start_run makes the run current in the caller's context; the flow's own thread and its
    # tasks must instead find it through the registry (see registry.current_run).
    return contextvars.Context().run(fn, *args, **kwargs)


class Tracker:
    """Options of the hooks attached by ``track``: where runs go and what they record.

    ``project`` / ``experiment`` default to ``RUNWAY_PROJECT`` / ``RUNWAY_EXPERIMENT``, else
    ``default`` / the flow's name. ``result_metrics=True`` records the numbers of a task's
    returned dict as metrics of the task's run and of the flow's run.
    """

    def __init__(
        self,
        project: str | None = None,
        experiment: str | None = None,
        *,
        log_params: bool = True,
        result_metrics: bool = False,
        link_artifact: bool = True,
        tracking_uri: str | None = None,
        capture: Any = True,
    ):
        self.project = project
        self.experiment = experiment
        self.log_params = log_params
        self.result_metrics = result_metrics
        self.link_artifact = link_artifact
        self.tracking_uri = tracking_uri
        self.capture = capture  # reproduction info of flow runs, as start_run's ``capture``
        self.on_flow_running = _guarded(self._flow_running)
        self.on_flow_completion = _guarded(self._flow_final)
        self.on_flow_failure = _guarded(self._flow_final)
        self.on_flow_crashed = _guarded(self._flow_final)
        self.on_flow_cancellation = _guarded(self._flow_final)
        for hook in self.flow_hooks().values():
            hook.runway_tracker = self  # type: ignore[attr-defined]

    def flow_hooks(self) -> dict[str, Callable[..., None]]:
        """The hook of each flow hook list, by ``with_options`` argument name."""
        return {
            "on_running": self.on_flow_running,
            "on_completion": self.on_flow_completion,
            "on_failure": self.on_flow_failure,
            "on_crashed": self.on_flow_crashed,
            "on_cancellation": self.on_flow_cancellation,
        }

    # -- flows --------------------------------------------------------------------------------

    def _flow_running(self, flow: Any, flow_run: Any, state: Any) -> None:
        entry = registry.flow(flow_run.id)
        if entry is not None:  # a retry of the flow run: the same Runway run
            entry.starts += 1
            return
        links.contact_runway(self.tracking_uri)
        run = self._open_flow_run(flow, flow_run, state)
        kept = registry.add_flow(flow_run.id, registry.FlowEntry(run=run, options=self))
        if kept.run is run and self.link_artifact:
            links.link_prefect_to_runway(flow_run, run)

    def _open_flow_run(self, flow: Any, flow_run: Any, state: Any) -> RunSession:
        parent = _parent_flow(flow_run)
        project = self.project or (parent.run.project if parent else None)
        experiment = self.experiment or (parent.run.experiment if parent else None)
        experiment = experiment or tracking_experiment_default(flow)
        prefect_url = links.flow_run_url(flow_run.id)
        source_ids: dict[str, Any] = {
            "flow_name": getattr(flow, "name", None),
            "flow_run_id": str(flow_run.id),
            "deployment_id": str(flow_run.deployment_id) if flow_run.deployment_id else None,
            "deployment": links.deployment_name(flow_run.deployment_id),
            "tags": sorted(str(t) for t in (flow_run.tags or ())),
        }
        if flow_run.parent_task_run_id is not None:
            source_ids["parent_task_run_id"] = str(flow_run.parent_task_run_id)
        # Also as tags: a sweep trial's run exists already, and keeps its source ids.
        tags = {
            "prefect.flow": getattr(flow, "name", "") or "",
            "prefect.flow_run_id": str(flow_run.id),
        }
        if source_ids["deployment"]:
            tags["prefect.deployment"] = source_ids["deployment"]
        if prefect_url:
            tags["prefect.flow_run_url"] = prefect_url
        kwargs: dict[str, Any] = {
            "name": flow_run.name,
            "params": params_of(flow_run.parameters) if self.log_params else None,
            "tags": tags,
            "source": "prefect",
            "source_ids": {k: v for k, v in source_ids.items() if v is not None},
            "start_time": epoch_ms(getattr(state, "timestamp", None)),
            "parent_run_id": parent.run.id if parent else None,
            "tracking_uri": self.tracking_uri,
            "capture": self.capture,
        }
        trial = trial_run_id(flow_run.tags)
        if trial is None:
            key = flow_run_key(flow_run.id)
            return _outside_context(tracking.attach_run, key, project, experiment, **kwargs)
        # A sweep trial queued by the launcher: this flow run is that run, where it was queued.
        project, experiment = links.run_location(trial, self.tracking_uri) or (project, experiment)
        run = _outside_context(tracking.start_run, project, experiment, run_id=trial, **kwargs)
        run.mark_running()
        return run

    def _flow_final(self, flow: Any, flow_run: Any, state: Any) -> None:
        entry = registry.pop_flow(flow_run.id)
        if entry is None:  # never seen running here (crashed early, another process)
            entry = registry.FlowEntry(run=self._open_flow_run(flow, flow_run, state), options=self)
        run = entry.run
        retries = max(entry.starts - 1, (flow_run.run_count or 1) - 1, 0)
        run.set_tags(final_tags(state, retries))
        run.finish(_final_status(state), end_time=epoch_ms(getattr(state, "timestamp", None)))
        run.flush(FINAL_FLUSH_SECONDS)


def tracking_experiment_default(flow: Any) -> str | None:
    """``RUNWAY_EXPERIMENT`` when set, else the flow's name."""
    from runway_core.config import settings

    return settings().experiment or getattr(flow, "name", None)


def _parent_flow(flow_run: Any) -> registry.FlowEntry | None:
    """The tracked flow run a subflow run was called from (in this process), if any."""
    if flow_run.parent_task_run_id is None:
        return None
    from prefect.context import FlowRunContext

    # In a subflow's on_running hook the parent's flow run context is still the active one.
    ctx = FlowRunContext.get()
    if ctx is not None and ctx.flow_run is not None and ctx.flow_run.id != flow_run.id:
        return registry.flow(ctx.flow_run.id)
    parent_id = links.parent_flow_run_id(flow_run.parent_task_run_id)
    return registry.flow(parent_id) if parent_id else None


# -- tasks ------------------------------------------------------------------------------------


def _task_running(task: Any, task_run: Any, state: Any) -> None:
    entry = registry.task(task_run.id)
    if entry is not None:  # a retry: the same child run
        entry.starts += 1
        return
    parent = registry.flow(task_run.flow_run_id)
    if parent is None:  # its flow run is not tracked here
        return
    parent_run = parent.run
    source_ids = {
        "flow_run_id": str(task_run.flow_run_id),
        "task_run_id": str(task_run.id),
        "task_key": task_run.task_key,
        "task_name": getattr(task, "name", None),
        "dynamic_key": task_run.dynamic_key,
    }
    run = _outside_context(
        tracking.attach_run,
        task_run_key(task_run.id),
        parent_run.project,
        parent_run.experiment,
        name=task_run.name,
        params=_task_parameters(task_run) if parent.options.log_params else None,
        tags=_task_tags(task, task_run),
        source="prefect",
        source_ids={k: v for k, v in source_ids.items() if v is not None},
        parent_run_id=parent_run.id,
        start_time=epoch_ms(getattr(state, "timestamp", None)),
        capture=False,
        tracking_uri=parent_run.tracking_uri,
    )
    registry.add_task(task_run.id, registry.TaskEntry(run=run, flow=parent))
    parent.children += 1


def _task_tags(task: Any, task_run: Any) -> dict[str, str]:
    tags = {"prefect.task": getattr(task, "name", "") or ""}
    url = links.task_run_url(task_run.id)
    if url:
        tags["prefect.task_run_url"] = url
    return tags


def _task_final(task: Any, task_run: Any, state: Any) -> None:
    entry = registry.pop_task(task_run.id)
    if entry is None:
        return
    run = entry.run
    if entry.flow.options.result_metrics and state_type(state) == "COMPLETED":
        metrics = numeric_metrics(state.result(raise_on_failure=False))
        if metrics:
            run.log(metrics)
            if not entry.flow.run.finished:
                entry.flow.run.log(metrics)
    retries = max(entry.starts - 1, (task_run.run_count or 1) - 1, 0)
    run.set_tags(final_tags(state, retries))
    run.finish(_final_status(state), end_time=epoch_ms(getattr(state, "timestamp", None)))


def _task_parameters(task_run: Any) -> dict[str, Any] | None:
    from prefect.context import TaskRunContext

    ctx = TaskRunContext.get()
    if ctx is not None and ctx.task_run.id == task_run.id:
        return params_of(ctx.parameters)
    return None


on_task_running = _guarded(_task_running)
on_task_completion = _guarded(_task_final)
on_task_failure = _guarded(_task_final)
TASK_HOOKS = {
    "on_running": on_task_running,
    "on_completion": on_task_completion,
    "on_failure": on_task_failure,
}
