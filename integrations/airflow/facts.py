"""What Runway needs to know about an Airflow DAG run and a task instance, read from whichever
object Airflow hands over: the task context (worker, callbacks), a ``RuntimeTaskInstance``, or
the scheduler's ORM ``DagRun`` / ``TaskInstance``. Nothing here imports Airflow.

Keys are built from ``dag_id`` + ``run_id`` (+ ``task_id``, ``map_index``), never from dates:
a run triggered through the API has no logical date.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

# conf and params keys that steer Runway and are not the run's params.
RUN_ID_KEY = "runway_run_id"
PROJECT_KEY = "runway_project"
EXPERIMENT_KEY = "runway_experiment"
ROUTING_KEYS = (RUN_ID_KEY, PROJECT_KEY, EXPERIMENT_KEY)
NEVER_RAN = ("skipped", "upstream_failed", "removed")
_RUN_ID_RE = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class DagRunFacts:
    dag_id: str
    run_id: str
    conf: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)  # the DAG's params merged with conf
    dag_tags: tuple[str, ...] = ()
    run_type: str | None = None
    state: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None

    @property
    def key(self) -> str:
        return f"airflow:{self.dag_id}:{self.run_id}"

    @property
    def attached_run_id(self) -> str | None:
        """The existing Runway run named by ``conf["runway_run_id"]`` (a queued sweep trial)."""
        value = self.conf.get(RUN_ID_KEY)
        if isinstance(value, str) and _RUN_ID_RE.match(value.strip().lower()):
            return value.strip().lower()
        return None

    @property
    def project(self) -> str:
        return self._routing(PROJECT_KEY)

    @property
    def experiment(self) -> str:
        return self._routing(EXPERIMENT_KEY)

    def _routing(self, name: str) -> str:
        for source in (self.conf, self.params):
            value = source.get(name)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return tag_value(self.dag_tags, name) or self.dag_id

    def run_params(self) -> dict[str, Any]:
        """Params as Runway records them: params merged with conf, routing keys left out, values
        JSON can carry (anything else as its text)."""
        merged = {**self.params, **self.conf}
        return {k: json_value(v) for k, v in merged.items() if k not in ROUTING_KEYS}


@dataclass(frozen=True)
class TaskFacts:
    task_id: str
    map_index: int = -1
    try_number: int = 1
    max_tries: int | None = None
    state: str | None = None
    operator: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    duration: float | None = None  # seconds, when Airflow computed it

    def key(self, dag_run: DagRunFacts) -> str:
        suffix = f":{self.map_index}" if self.map_index >= 0 else ""
        return f"{dag_run.key}:{self.task_id}{suffix}"

    @property
    def name(self) -> str:
        return f"{self.task_id}[{self.map_index}]" if self.map_index >= 0 else self.task_id

    def seconds(self, now: datetime | None = None) -> float | None:
        if self.duration is not None:
            return float(self.duration)
        end = self.end_date or now
        if self.start_date is None or end is None:
            return None
        return max(0.0, (end - self.start_date).total_seconds())


def tag_value(tags: Iterable[str], name: str) -> str | None:
    """``runway_project:digits`` or ``runway_project=digits`` among a DAG's tags → ``digits``."""
    for tag in tags:
        for sep in (":", "="):
            prefix = name + sep
            if isinstance(tag, str) and tag.startswith(prefix) and tag[len(prefix) :].strip():
                return tag[len(prefix) :].strip()
    return None


def json_value(value: Any) -> Any:
    """A param value JSON can carry as is, else its text (a date, a set, an object)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return str(value)
    return value


def plain_params(params: Any) -> dict[str, Any]:
    """Values of a ``ParamsDict`` (or a plain dict); a ``Param`` gives its value."""
    if not params:
        return {}
    out: dict[str, Any] = {}
    for key in list(params.keys()):
        try:
            value = params[key]  # ParamsDict resolves Param objects to their values
        except Exception:  # a Param without a value and no default
            continue
        out[str(key)] = getattr(value, "value", value)
    return out


def dag_run_from_context(context: Mapping[str, Any]) -> DagRunFacts:
    """From a task context (``get_template_context()`` or a callback's argument)."""
    dag_run = context.get("dag_run")
    dag = context.get("dag")
    dag_id = getattr(dag_run, "dag_id", None) or getattr(dag, "dag_id", None)
    run_id = getattr(dag_run, "run_id", None) or context.get("run_id")
    return DagRunFacts(
        dag_id=str(dag_id),
        run_id=str(run_id),
        conf=dict(getattr(dag_run, "conf", None) or {}),
        params=plain_params(context.get("params")),
        dag_tags=tuple(sorted(str(t) for t in (getattr(dag, "tags", None) or ()))),
        run_type=_text(getattr(dag_run, "run_type", None)),
        start_date=getattr(dag_run, "start_date", None),
        end_date=getattr(dag_run, "end_date", None),
    )


def dag_run_from_orm(dag_run: Any) -> DagRunFacts:
    """From the scheduler's (or API server's) ``DagRun``; its DAG, when attached, gives the
    params' defaults and the tags."""
    dag = getattr(dag_run, "dag", None)
    try:
        params = plain_params(getattr(dag, "params", None))
    except Exception:
        params = {}
    tags = getattr(dag, "tags", None) or ()
    return DagRunFacts(
        dag_id=str(dag_run.dag_id),
        run_id=str(dag_run.run_id),
        conf=dict(getattr(dag_run, "conf", None) or {}),
        params=params,
        dag_tags=tuple(sorted(str(getattr(t, "name", t)) for t in tags)),
        run_type=_text(getattr(dag_run, "run_type", None)),
        start_date=getattr(dag_run, "start_date", None),
        end_date=getattr(dag_run, "end_date", None),
    )


def task_from_instance(ti: Any, state: str | None = None) -> TaskFacts:
    """From a ``RuntimeTaskInstance`` (worker) or an ORM ``TaskInstance`` (UI / API change)."""
    task = getattr(ti, "task", None)
    operator = getattr(ti, "operator", None) or (type(task).__name__ if task is not None else None)
    if task is not None and getattr(task, "task_type", None):
        operator = str(task.task_type)
    max_tries = getattr(ti, "max_tries", None)
    map_index = getattr(ti, "map_index", None)
    return TaskFacts(
        task_id=str(ti.task_id),
        map_index=int(map_index) if map_index is not None else -1,
        try_number=int(getattr(ti, "try_number", None) or 1),
        max_tries=int(max_tries) if max_tries is not None else None,
        state=state or _text(getattr(ti, "state", None)),
        operator=operator,
        start_date=getattr(ti, "start_date", None),
        end_date=getattr(ti, "end_date", None),
        duration=getattr(ti, "duration", None),
    )


def tasks_never_run(dag_run: Any) -> list[TaskFacts]:
    """Task instances of an ORM ``DagRun`` that may have ended without running (skipped by a
    branch, upstream failed): no hook of theirs fires. One that skipped itself is among them
    and is recorded again, the same."""
    try:
        tis = list(getattr(dag_run, "task_instances", None) or ())
    except Exception:  # detached from its session (dag.test()): ask the database again
        tis = list(dag_run.get_task_instances(state=list(NEVER_RAN)))
    found = []
    for ti in tis:
        state = _text(getattr(ti, "state", None))
        if state in NEVER_RAN:
            found.append(task_from_instance(ti, state))
    return found


def dag_run_url(base_url: str, dag_run: DagRunFacts) -> str:
    """The DAG run's page in Airflow 3's UI."""
    return f"{base_url.rstrip('/')}/dags/{_q(dag_run.dag_id)}/runs/{_q(dag_run.run_id)}"


def task_url(base_url: str, dag_run: DagRunFacts, task: TaskFacts) -> str:
    url = f"{dag_run_url(base_url, dag_run)}/tasks/{_q(task.task_id)}"
    return f"{url}/mapped/{task.map_index}" if task.map_index >= 0 else url


def _q(text: str) -> str:
    return quote(text, safe=":+@")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))
