"""``runway import airflow``: copy the DAG runs of a running Airflow 3 (REST API v2) into Runway,
each as the plugin would have recorded it (same ids), so importing twice adds nothing and a DAG
run the plugin already recorded is left as it is."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import typer

from runway.airflow.facts import DagRunFacts, TaskFacts, json_value, plain_params
from runway.airflow.rest import access_token, api_client, check_url
from runway_core.errors import InvalidInput, NotFound

ENDED = ("success", "failed")
PAGE = 100


@dataclass
class ImportResult:
    dag_runs: int = 0
    task_instances: int = 0
    already: int = 0


def import_dag_runs(
    client: Any,
    url: str,
    *,
    dags: list[str],
    since: datetime | None,
    xcom_keys: list[str],
    on_total: Callable[[int], None] = lambda n: None,
    on_progress: Callable[[int], None] = lambda n: None,
) -> ImportResult:
    """Record every ended DAG run of ``dags`` (all when empty) started at or after ``since``."""
    from airflow_client.client.api.dag_api import DAGApi

    from runway_core import tracking

    store = tracking.open_store()
    dag_api = DAGApi(client)
    every_dag = _pages(lambda o: dag_api.get_dags(limit=PAGE, offset=o), "dags")
    dag_ids = dags or [d.dag_id for d in every_dag]
    result = ImportResult()
    for dag_id in dag_ids:
        details = dag_api.get_dag_details(dag_id)
        params = _dag_params(getattr(details, "params", None))
        tags = tuple(sorted(getattr(t, "name", str(t)) for t in details.tags or ()))
        runs = list(_dag_runs(client, dag_id, since))
        on_total(len(runs))
        for dag_run in runs:
            facts = DagRunFacts(
                dag_id=dag_id,
                run_id=dag_run.dag_run_id,
                conf=dict(dag_run.conf or {}),
                params={**params, **(dag_run.conf or {})},
                dag_tags=tags,
                run_type=_text(dag_run.run_type),
                state=_text(dag_run.state),
                start_date=dag_run.start_date,
                end_date=dag_run.end_date,
            )
            if _ended_in(store, _parent_id(facts)):
                result.already += 1
            else:
                result.task_instances += _record(client, store, url, facts, xcom_keys)
                result.dag_runs += 1
            on_progress(1)
    tracking.flush()
    return result


def _record(client: Any, store: Any, url: str, dag_run: DagRunFacts, xcom_keys: list[str]) -> int:
    from airflow_client.client.api.task_instance_api import TaskInstanceApi

    from runway.airflow import recorder

    run = recorder.attach_dag_run(dag_run, owns_status=True, url_base=url)
    api = TaskInstanceApi(client)
    tis = _pages(
        lambda o: api.get_task_instances(dag_run.dag_id, dag_run.run_id, limit=PAGE, offset=o),
        "task_instances",
    )
    count = 0
    for ti in tis:
        task = TaskFacts(
            task_id=ti.task_id,
            map_index=ti.map_index if ti.map_index is not None else -1,
            try_number=ti.try_number or 1,
            max_tries=ti.max_tries,
            state=_text(ti.state),
            operator=ti.operator,
            start_date=ti.start_date,
            end_date=ti.end_date,
            duration=ti.duration,
        )
        if _ended_in(store, recorder.task_run_id(dag_run, task)):
            continue
        child = recorder.attach_task(dag_run, task, run.id, url_base=url)
        seconds = task.seconds()
        if seconds is not None and task.start_date is not None:
            child.log({"duration_s": seconds}, step=task.try_number)
        if task.state == "success":
            _record_xcoms(client, dag_run, task, child, xcom_keys)
        tags = {"airflow.state": task.state or "none", "airflow.try_number": str(task.try_number)}
        child.set_tags(tags)
        child.finish(
            recorder.TASK_STATUS.get(task.state or "", "killed"), end_time=recorder.ms(ti.end_date)
        )
        count += 1
    run.set_tags({"airflow.state": dag_run.state or "none"})
    run.finish(
        "finished" if dag_run.state == "success" else "failed",
        end_time=recorder.ms(dag_run.end_date),
    )
    return count


def _record_xcoms(
    client: Any, dag_run: DagRunFacts, task: TaskFacts, child: Any, keys: list[str]
) -> None:
    from airflow_client.client.api.x_com_api import XComApi

    from runway_core.errors import RunwayError

    for key in keys:
        try:
            entry = XComApi(client).get_xcom_entry(
                dag_run.dag_id, task.task_id, dag_run.run_id, key, map_index=task.map_index
            )
        except Exception as exc:
            if getattr(exc, "status", None) == 404:
                continue
            raise
        value = getattr(getattr(entry, "actual_instance", entry), "value", None)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        numbers = _numbers(f"xcom.{key}", value)
        try:
            if numbers:
                child.log(numbers, step=0)
            elif value is not None:
                child.log_params({f"xcom.{key}": json_value(value)})
        except RunwayError:  # a value Runway cannot hold as a param: leave it in Airflow
            continue


def _numbers(prefix: str, value: Any) -> dict[str, float]:
    if isinstance(value, bool):
        return {}
    if isinstance(value, (int, float)):
        return {prefix: float(value)}
    if isinstance(value, dict):
        out: dict[str, float] = {}
        for k, v in value.items():
            out.update(_numbers(f"{prefix}.{k}", v))
        return out
    return {}


def parse_since(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"--since: {text!r} is not an ISO 8601 date or time (e.g. 2026-11-30T08:00:00Z)",
            field="since",
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _dag_runs(client: Any, dag_id: str, since: datetime | None) -> Iterator[Any]:
    from airflow_client.client.api.dag_run_api import DagRunApi

    api = DagRunApi(client)
    extra: dict[str, Any] = {"start_date_gte": since} if since else {}

    def page(offset: int) -> Any:
        return api.get_dag_runs(
            dag_id, limit=PAGE, offset=offset, state=list(ENDED), order_by=["id"], **extra
        )

    yield from _pages(page, "dag_runs")


def _pages(fetch: Callable[[int], Any], items_in: str) -> Iterator[Any]:
    """Every item of a paged list of the REST API (``items_in``: the page's list field)."""
    offset = 0
    while True:
        page = fetch(offset)
        items = getattr(page, items_in, None) or []
        yield from items
        offset += len(items)
        if not items or offset >= (page.total_entries or 0):
            return


def _dag_params(params: Any) -> dict[str, Any]:
    """A DAG's params as the REST API gives them (``{"lr": {"value": 0.1, ...}}``)."""
    if not isinstance(params, dict):
        return {}
    out = {}
    for key, spec in params.items():
        out[key] = spec.get("value") if isinstance(spec, dict) and "value" in spec else spec
    return plain_params(out)


def _parent_id(dag_run: DagRunFacts) -> str:
    from runway.airflow.recorder import parent_run_id

    return parent_run_id(dag_run)


def _ended_in(store: Any, run_id: str) -> bool:
    try:
        return bool(store.get_run(run_id).status.is_terminal)
    except NotFound:
        return False


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def airflow_command(
    url: str = typer.Option(..., "--url", help="Airflow's address, e.g. http://localhost:8080."),
    token: str | None = typer.Option(
        None, "--token", envvar="AIRFLOW_TOKEN", help="A token of Airflow's API (POST /auth/token)."
    ),
    username: str | None = typer.Option(None, "--username", help="Get a token as this user."),
    password: str | None = typer.Option(
        None, "--password", envvar="AIRFLOW_PASSWORD", help="The user's password."
    ),
    dag: list[str] = typer.Option([], "--dag", help="A DAG id to import (repeat); default: all."),
    since: str | None = typer.Option(
        None,
        "--since",
        help="Only DAG runs started at or after this time (ISO 8601; UTC if no zone).",
    ),
    xcom: list[str] = typer.Option(
        [], "--xcom", help="An XCom key to record (repeat): numbers as metrics, else params."
    ),
) -> None:
    """Import ended DAG runs and their task instances from Airflow; safe to run again."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    url = check_url(url)
    start = parse_since(since) if since else None
    bearer = access_token(url, token=token, username=username, password=password)
    with (
        api_client(url, bearer) as client,
        Progress(
            TextColumn("[bold]import airflow[/bold]"), BarColumn(), MofNCompleteColumn()
        ) as progress,
    ):
        bar = progress.add_task("dag runs", total=0)
        result = import_dag_runs(
            client,
            url,
            dags=dag,
            since=start,
            xcom_keys=xcom,
            on_total=lambda n: progress.update(bar, total=(progress.tasks[0].total or 0) + n),
            on_progress=lambda n: progress.advance(bar, n),
        )
    typer.echo(
        f"imported {result.dag_runs} DAG runs ({result.task_instances} task instances) from "
        f"{url}; {result.already} already in Runway"
    )


def register(group: typer.Typer) -> None:
    group.command("airflow")(airflow_command)
