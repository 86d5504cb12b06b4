"""Airflow DAG runs and task instances as Runway runs, shared by the listener plugin and the
callbacks.

A DAG run is one Runway run, keyed by ``dag_id`` + ``run_id`` (or the existing run that
``conf["runway_run_id"]`` names: a queued sweep trial); each task instance is a child run under
it. The scheduler, every worker and the API server attach to the same runs (their ids derive
from the keys), so nothing depends on which of them reports first. Nothing here waits on the
Runway server longer than ``RUNWAY_AIRFLOW_TIMEOUT``: what is not delivered by then is sent by
the background sender, or kept in the spool.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from runway.airflow.facts import DagRunFacts, TaskFacts, dag_run_url, task_url
from runway_core import tracking
from runway_core.config import is_http, resolve_tracking_uri
from runway_core.schemas import RunSource, RunStatus, RunUpdate
from runway_core.schemas.writes import RunUpdateWrite
from runway_core.tracking import stores
from runway_core.tracking.session import RunSession

log = logging.getLogger("runway.airflow")

# Airflow state → Runway status of a task instance's run.
TASK_STATUS = {
    "success": "finished",
    "skipped": "finished",
    "failed": "failed",
    "up_for_retry": "failed",
    "upstream_failed": "killed",  # never ran
    "removed": "killed",
}
DEFAULT_BASE_URL = "http://localhost:8080"

_lock = threading.Lock()
# The runs a task in this process has open, by task key: (DAG run, task instance, using-block).
_open: dict[str, tuple[RunSession, RunSession, Any]] = {}


def parent_run_id(dag_run: DagRunFacts) -> str:
    return dag_run.attached_run_id or tracking.external_run_id(dag_run.key)


def task_run_id(dag_run: DagRunFacts, task: TaskFacts) -> str:
    return tracking.external_run_id(task.key(dag_run))


def base_url() -> str:
    """Airflow's UI, as its ``[api] base_url`` names it."""
    try:
        from airflow.configuration import conf

        return str(conf.get("api", "base_url", fallback=None) or DEFAULT_BASE_URL)
    except Exception:  # outside an Airflow installation (the importer on a laptop)
        return DEFAULT_BASE_URL


def ms(when: datetime | None) -> int | None:
    return int(when.timestamp() * 1000) if when is not None else None


# -- DAG runs -------------------------------------------------------------------------------------


def attach_dag_run(
    dag_run: DagRunFacts, *, owns_status: bool = False, url_base: str | None = None
) -> RunSession:
    """The DAG run's Runway run, created when missing, with its params and links added."""
    url = dag_run_url(url_base or base_url(), dag_run)
    run = tracking.start_run(
        dag_run.project,
        dag_run.experiment,
        run_id=parent_run_id(dag_run),
        name=dag_run.run_id,
        params=dag_run.run_params(),
        tags={
            "airflow.dag_id": dag_run.dag_id,
            "airflow.run_id": dag_run.run_id,
            "airflow.url": url,
        },
        source=RunSource.airflow,
        source_ids={
            "dag_id": dag_run.dag_id,
            "run_id": dag_run.run_id,
            "external_key": dag_run.key,
            "url": url,
        },
        start_time=ms(dag_run.start_date),
        capture=False,
        owns_status=owns_status,
    )
    if dag_run.attached_run_id:
        # A sweep trial waits as "queued": the DAG run running it makes it running.
        set_status(run, RunStatus.running)
    return run


def dag_run_running(dag_run: DagRunFacts, budget: float) -> None:
    connect(budget)
    attach_dag_run(dag_run).finish()  # params and links; the status stays the DAG run's


def dag_run_ended(
    dag_run: DagRunFacts, state: str, budget: float, never_ran: Sequence[TaskFacts] = ()
) -> None:
    """The DAG run ended: its run takes the status (``success`` → finished, else failed).
    ``never_ran``: its task instances that ended without running, recorded now."""
    connect(budget)
    run = attach_dag_run(dag_run, owns_status=True)
    run.set_tags({"airflow.state": state})
    home = attached_home(dag_run, budget) if never_ran else None
    for task in never_ran:
        child = attach_task(dag_run, task, run.id, home=home)
        child.set_tags({"airflow.state": task.state or "none"})
        child.finish(TASK_STATUS.get(task.state or "", "killed"), end_time=ms(task.end_date))
    status = "finished" if state == "success" else "failed"
    run.finish(status, end_time=ms(dag_run.end_date))


def set_status(run: RunSession, status: RunStatus) -> None:
    if run.tracking_uri is None:
        return
    sender = stores.connection(run.tracking_uri, offline=run.offline).sender
    sender.submit([RunUpdateWrite(run_id=run.id, update=RunUpdate(status=status))])


# -- task instances -------------------------------------------------------------------------------


def task_started(dag_run: DagRunFacts, task: TaskFacts, budget: float) -> RunSession:
    """A try of a task instance starts (in the task's process): its child run, and the DAG run's
    run made current for ``runway.log()`` in the task's code."""
    tracking.register_run_resolver(current_dag_run_run)  # once per process: it is a set
    connect(budget)
    key = task.key(dag_run)
    _close_open(key, "finished")  # a try this process saw start and not end
    parent = attach_dag_run(dag_run)
    child = attach_task(dag_run, task, parent.id, home=attached_home(dag_run, budget))
    child.set_tags({"airflow.state": "running", "airflow.try_number": str(task.try_number)})
    if task.try_number > 1:
        set_status(child, RunStatus.running)  # a retry: the try before left it failed
    block = tracking.using(parent)
    block.__enter__()  # runway.log() goes to the DAG run's run until the task ends
    with _lock:
        _open[key] = (parent, child, block)
    return parent


def task_ended(dag_run: DagRunFacts, task: TaskFacts, state: str, budget: float) -> None:
    """A try ended: ``success``, ``skipped``, ``failed`` or ``up_for_retry``."""
    key = task.key(dag_run)
    with _lock:
        opened = _open.pop(key, None)
    connect(budget)
    if opened is None:  # the state was set elsewhere (the UI, the API) or the start was missed
        parent = attach_dag_run(dag_run)
        child = attach_task(dag_run, task, parent.id)
        block = None
    else:
        parent, child, block = opened
    now = datetime.now(tz=task.start_date.tzinfo) if task.start_date else None
    seconds = task.seconds(now=now)
    if seconds is not None and opened is not None:  # a try seen running here: its duration
        child.log({"duration_s": seconds}, step=task.try_number)
    child.set_tags({"airflow.state": state, "airflow.try_number": str(task.try_number)})
    child.finish(TASK_STATUS.get(state, "failed"), end_time=ms(task.end_date))
    parent.finish()  # sends what the task logged; the DAG run's status is not the task's
    if block is not None:
        with contextlib.suppress(Exception):  # left in another context: nothing to undo
            block.__exit__(None, None, None)
    tracking.flush(budget)


def current_dag_run_run() -> RunSession | None:
    """The run resolver: the DAG run's run of the task running in this process, if any."""
    with _lock:
        if not _open:
            return None
        sessions = list(_open.values())
    if len(sessions) == 1:
        return sessions[0][0]
    try:  # several tasks at once (threads): ask Airflow which one is asking
        from airflow.sdk import get_current_context

        ti = get_current_context()["ti"]
        map_index = ti.map_index if ti.map_index is not None else -1
        suffix = f":{map_index}" if map_index >= 0 else ""
        key = f"airflow:{ti.dag_id}:{ti.run_id}:{ti.task_id}{suffix}"
    except Exception:
        return sessions[-1][0]
    with _lock:
        found = _open.get(key)
    return found[0] if found else sessions[-1][0]


def attach_task(
    dag_run: DagRunFacts,
    task: TaskFacts,
    parent_id: str,
    *,
    url_base: str | None = None,
    home: tuple[str, str] | None = None,
) -> RunSession:
    params: dict[str, Any] = {"task_id": task.task_id}
    if task.operator:
        params["operator"] = task.operator
    if task.map_index >= 0:
        params["map_index"] = task.map_index
    url = task_url(url_base or base_url(), dag_run, task)
    project, experiment = home or (dag_run.project, dag_run.experiment)
    return tracking.start_run(
        project,
        experiment,
        run_id=task_run_id(dag_run, task),
        name=task.name,
        parent_run_id=parent_id,
        params=params,
        tags={"airflow.url": url},
        source=RunSource.airflow,
        source_ids={
            "dag_id": dag_run.dag_id,
            "run_id": dag_run.run_id,
            "task_id": task.task_id,
            "map_index": task.map_index,
            "external_key": task.key(dag_run),
            "url": url,
        },
        start_time=ms(task.start_date),
        capture=("host", "python"),
    )


def _close_open(key: str, status: str) -> None:
    with _lock:
        opened = _open.pop(key, None)
    if opened is not None:
        opened[1].finish(status)
        opened[0].finish()


_homes: dict[str, tuple[str, str]] = {}


def attached_home(dag_run: DagRunFacts, budget: float) -> tuple[str, str] | None:
    """The project and experiment of the existing run a DAG run attached to (a sweep trial), for
    its task runs; asked of the server once per process, waiting at most ``budget`` seconds.
    ``None`` (the DAG's own project and experiment) when not attached or not known in time."""
    run_id = dag_run.attached_run_id
    if run_id is None:
        return None
    if run_id in _homes:
        return _homes[run_id]
    uri = resolve_tracking_uri(None)
    conn = stores.connection(uri)
    store = conn.store
    if store is None or conn.sender.down:
        return None
    found: list[tuple[str, str]] = []

    def ask() -> None:
        with contextlib.suppress(Exception):  # not there yet, or down: the DAG's own home
            run = store.get_run(run_id)
            project = store.get_project(run.project_id).name
            found.append((project, store.get_experiment(run.experiment_id).name))

    asking = threading.Thread(target=ask, name="runway-airflow-home", daemon=True)
    asking.start()
    asking.join(budget)
    if found:
        _homes[run_id] = found[0]
        return found[0]
    return None


# -- the server -----------------------------------------------------------------------------------


def connect(budget: float) -> None:
    """Ask the server whether it is there, waiting at most ``budget`` seconds: one that does
    not answer in time is taken as down (its runs spool until the sender's retry gets through)."""
    uri = resolve_tracking_uri(None)
    if not is_http(uri):
        return
    conn = stores.connection(uri)
    if conn.checked or conn.sender.down:
        return

    def ask() -> None:
        with contextlib.suppress(Exception):  # down, or not Runway: the sender finds out
            stores.first_contact(conn)

    asking = threading.Thread(target=ask, name="runway-airflow-contact", daemon=True)
    asking.start()
    asking.join(budget)
    if asking.is_alive():
        conn.sender.mark_down(f"no answer within {budget:g} s")
