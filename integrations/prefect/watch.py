"""Zero-code mode: record the flow runs a Prefect server executes, with no change to the flows.

The watcher polls the Prefect API (the Prefect client's ``read_flow_runs``; simpler to resume
than the event websocket, and a missed event cannot lose a run) for runs that are running or
ended since its cursor. Run ids are derived from the flow-run ids, so recording a flow run twice
(a restart, an overlap between polls, hooks that also track it) changes nothing; the cursor,
kept in the spool folder, only saves work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runway.prefect.values import (
    epoch_ms,
    final_status,
    final_tags,
    flow_run_key,
    params_of,
    state_type,
    task_run_key,
    trial_run_id,
)
from runway_core import tracking

log = logging.getLogger("runway.prefect")
FINAL_TYPES = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")
# Runs that ended up to this long before the cursor are read again (clock skew, late writes).
OVERLAP = dt.timedelta(minutes=2)
PAGE = 200


@dataclass
class WatchFilter:
    deployments: Sequence[str] = ()  # "flow-name/deployment-name"
    flows: Sequence[str] = ()
    tags: Sequence[str] = ()  # a run must carry all of them

    def accepts(self, flow_name: str, deployment: str | None, tags: Sequence[str]) -> bool:
        if self.flows and flow_name not in self.flows:
            return False
        if self.deployments and deployment not in self.deployments:
            return False
        return all(tag in tags for tag in self.tags)


@dataclass
class Cursor:
    """Where the last poll got to: runs that ended before ``after`` were recorded, and so were
    the ended runs of ``done`` (those near the cursor, read again because of the overlap)."""

    path: Path
    after: dt.datetime | None = None
    done: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path) -> Cursor:
        try:
            data = json.loads(path.read_text())
            after = dt.datetime.fromisoformat(data["after"]) if data.get("after") else None
            return cls(path, after, set(data.get("done", [])))
        except FileNotFoundError:
            return cls(path)
        except (ValueError, KeyError, TypeError):
            log.warning("runway: ignoring the unreadable watch cursor %s", path)
            return cls(path)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        after = self.after.isoformat() if self.after else None
        tmp.write_text(json.dumps({"after": after, "done": sorted(self.done)}))
        tmp.replace(self.path)


def cursor_path(spool_dir: Path, api_url: str) -> Path:
    digest = hashlib.sha256(api_url.rstrip("/").encode()).hexdigest()[:16]
    return spool_dir / f"prefect-watch-{digest}.json"


class Watcher:
    def __init__(
        self,
        api_url: str,
        *,
        project: str | None = None,
        experiment: str | None = None,
        filters: WatchFilter | None = None,
        tracking_uri: str | None = None,
        cursor: Cursor,
        on_record: Callable[[str, str], None] | None = None,
    ):
        self.api_url = api_url
        self.project = project
        self.experiment = experiment
        self.filters = filters or WatchFilter()
        self.tracking_uri = tracking_uri
        self.cursor = cursor
        self.on_record = on_record or (lambda name, status: None)
        self._flows: dict[str, str] = {}
        self._deployments: dict[str, str | None] = {}
        self._seen: dict[str, str] = {}  # flow run id → Runway run id, recorded by this process
        self._subflow_tasks: set[str] = set()

    def poll(self) -> int:
        """Record what changed since the last poll; returns how many flow runs were recorded."""
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings

        # The watched server for the client and for the flow-run links (its UI URL).
        with (
            temporary_settings(updates={PREFECT_API_URL: self.api_url}),
            get_client(sync_client=True) as client,
        ):
            flow_runs = self._changed(client)
            # A subflow call is also a task run of its parent: recorded as the subflow's run.
            self._subflow_tasks = {str(fr.parent_task_run_id) for fr in flow_runs}
            recorded = sum(
                self._record(client, fr) for fr in flow_runs if str(fr.id) not in self.cursor.done
            )
        tracking.flush(tracking_uri=self.tracking_uri)
        ended = [fr for fr in flow_runs if _ended(fr)]
        if ended:
            newest = max(fr.end_time for fr in ended)
            if self.cursor.after is None or newest > self.cursor.after:
                self.cursor.after = newest
            # The next poll reads again what ended within OVERLAP of the cursor: these ones.
            horizon = self.cursor.after - OVERLAP
            self.cursor.done = {str(fr.id) for fr in ended if fr.end_time >= horizon}
        self.cursor.save()
        return recorded

    def _changed(self, client: Any) -> list[Any]:
        from prefect.client.schemas.filters import (
            FlowRunFilter,
            FlowRunFilterEndTime,
            FlowRunFilterState,
            FlowRunFilterStateType,
        )
        from prefect.client.schemas.objects import StateType
        from prefect.client.schemas.sorting import FlowRunSort

        running = FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING]))
        )
        ended_types = [StateType(t) for t in FINAL_TYPES]
        ended = FlowRunFilter(
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=ended_types)),
            end_time=FlowRunFilterEndTime(
                after_=self.cursor.after - OVERLAP if self.cursor.after else None
            ),
        )
        found: dict[str, Any] = {}
        for flt in (running, ended):
            offset = 0
            while True:
                page = client.read_flow_runs(
                    flow_run_filter=flt,
                    sort=FlowRunSort.START_TIME_ASC,
                    limit=PAGE,
                    offset=offset,
                )
                for fr in page:
                    found[str(fr.id)] = fr
                if len(page) < PAGE:
                    break
                offset += PAGE
        runs = list(found.values())
        # Parents before the subflows they called (a child run names an existing parent).
        return sorted(runs, key=lambda fr: fr.start_time or fr.expected_start_time or _EPOCH)

    def _record(self, client: Any, fr: Any) -> bool:
        flow_name = self._flow_name(client, fr.flow_id)
        deployment = self._deployment(client, fr.deployment_id)
        tags = [str(t) for t in fr.tags or ()]
        if not self.filters.accepts(flow_name, deployment, tags):
            return False
        final = state_type(fr.state) in FINAL_TYPES
        parent = self._parent(client, fr)
        source_ids = {
            "flow_name": flow_name,
            "flow_run_id": str(fr.id),
            "deployment_id": str(fr.deployment_id) if fr.deployment_id else None,
            "deployment": deployment,
            "tags": sorted(tags),
        }
        from runway.prefect.links import flow_run_url

        url = flow_run_url(fr.id)
        kwargs: dict[str, Any] = {
            "name": fr.name,
            "params": params_of(fr.parameters),
            "tags": {"prefect.flow": flow_name, **({"prefect.flow_run_url": url} if url else {})},
            "source": "prefect",
            "source_ids": {k: v for k, v in source_ids.items() if v is not None},
            "start_time": epoch_ms(fr.start_time),
            "parent_run_id": parent,
            "capture": False,
            "tracking_uri": self.tracking_uri,
            # A run still running is ended by a later poll, not by this process's exit.
            "owns_status": final,
        }
        project, experiment = self.project, self.experiment or flow_name
        trial = trial_run_id(tags)
        if trial is None:
            run = tracking.attach_run(flow_run_key(fr.id), project, experiment, **kwargs)
        else:
            run = tracking.start_run(project, experiment, run_id=trial, **kwargs)
            run.mark_running()
        self._seen[str(fr.id)] = run.id
        if final:
            self._record_tasks(client, fr, run)
            run.set_tags(final_tags(fr.state, (fr.run_count or 1) - 1))
            run.finish(final_status(fr.state), end_time=epoch_ms(fr.end_time))
        else:
            run.finish()  # sends its creation; the status stays running
        self.on_record(fr.name, final_status(fr.state) if final else "running")
        return True

    def _record_tasks(self, client: Any, fr: Any, parent: tracking.RunSession) -> None:
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[fr.id])), limit=PAGE
        )
        for tr in task_runs:
            if tr.state is None or state_type(tr.state) not in (*FINAL_TYPES, "RUNNING"):
                continue
            if str(tr.id) in self._subflow_tasks:
                continue
            final = state_type(tr.state) in FINAL_TYPES
            child = tracking.attach_run(
                task_run_key(tr.id),
                parent.project,
                parent.experiment,
                name=tr.name,
                source="prefect",
                source_ids={
                    "flow_run_id": str(fr.id),
                    "task_run_id": str(tr.id),
                    "task_key": tr.task_key,
                    "dynamic_key": tr.dynamic_key,
                },
                tags={"prefect.task": tr.task_key},
                parent_run_id=parent.id,
                start_time=epoch_ms(tr.start_time),
                capture=False,
                tracking_uri=self.tracking_uri,
                owns_status=final,
            )
            if final:
                child.set_tags(final_tags(tr.state, (tr.run_count or 1) - 1))
                child.finish(final_status(tr.state), end_time=epoch_ms(tr.end_time))
            else:
                child.finish()

    def _parent(self, client: Any, fr: Any) -> str | None:
        if fr.parent_task_run_id is None:
            return None
        try:
            parent_flow_run = str(client.read_task_run(fr.parent_task_run_id).flow_run_id)
        except Exception:
            return None
        return self._seen.get(parent_flow_run)

    def _flow_name(self, client: Any, flow_id: Any) -> str:
        key = str(flow_id)
        if key not in self._flows:
            self._flows[key] = client.read_flow(flow_id).name
        return self._flows[key]

    def _deployment(self, client: Any, deployment_id: Any) -> str | None:
        if deployment_id is None:
            return None
        key = str(deployment_id)
        if key not in self._deployments:
            try:
                dep = client.read_deployment(deployment_id)
                self._deployments[key] = f"{self._flow_name(client, dep.flow_id)}/{dep.name}"
            except Exception:
                self._deployments[key] = None
        return self._deployments[key]


def _ended(fr: Any) -> bool:
    return state_type(fr.state) in FINAL_TYPES and fr.end_time is not None


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
