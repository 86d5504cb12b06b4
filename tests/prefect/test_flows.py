"""Flows run in-process under the Prefect harness with Runway's hooks, against a real
``runway server``: what each one leaves in Runway."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pydantic
import pytest
from prefect import flow, task
from prefect.client.orchestration import get_client

import runway
import runway.prefect
from runway_core import tracking
from runway_core.schemas import RunPublic
from runway_core.tracking import external_run_id
from tests.conftest import LiveServer


class Optimizer(pydantic.BaseModel):
    name: str = "sgd"
    lr: float = 0.1


@dataclasses.dataclass
class Data:
    rows: int = 100
    shuffle: bool = True


def stored(server: LiveServer, flow_run_id: Any) -> RunPublic:
    tracking.flush(timeout=10)
    with runway.Client(server.url) as client:
        return client.get_run(external_run_id(f"prefect:flow-run:{flow_run_id}"))


def children(server: LiveServer, run: RunPublic) -> list[RunPublic]:
    with runway.Client(server.url) as client:
        found = client.search_runs(
            project=None,
            experiments=[run.experiment_id],
            filter=f"attributes.parent_run_id = '{run.id}'",
            limit=None,
        )
    return sorted(found, key=lambda r: r.name or "")


# -- a flow with two tasks ----------------------------------------------------------------------


@task
def prepare(data: Data) -> int:
    runway.log({"rows": float(data.rows)})
    return data.rows


@task
def fit(rows: int, opt: Optimizer) -> dict[str, float]:
    runway.log({"loss": 0.5})
    runway.log({"loss": 0.25})
    return {"accuracy": 0.9, "rows": float(rows)}


@runway.prefect.track(result_metrics=True)
@flow(name="two-tasks")
def two_tasks(opt: Optimizer, data: Data, epochs: int = 2) -> Any:
    rows = prepare(data)
    runway.log({"epochs_seen": float(epochs)})
    return fit(rows, opt)


def test_flow_with_two_tasks_records_run_children_metrics_and_links(
    runway_env: LiveServer,
) -> None:
    started = time.time() * 1000
    state = two_tasks(Optimizer(lr=0.01), Data(rows=7), epochs=3, return_state=True)
    assert state.is_completed()
    flow_run_id = state.state_details.flow_run_id
    run = stored(runway_env, flow_run_id)

    assert run.status == "finished"
    assert run.source == "prefect"
    assert run.params == {
        "opt.name": "sgd",
        "opt.lr": 0.01,
        "data.rows": 7,
        "data.shuffle": True,
        "epochs": 3,
    }
    assert run.start_time is not None and run.end_time is not None
    assert started - 1000 <= run.start_time <= run.end_time <= time.time() * 1000
    assert run.source_ids["flow_name"] == "two-tasks"
    assert run.source_ids["flow_run_id"] == str(flow_run_id)
    assert run.tags["prefect.state"] == "Completed"
    assert run.tags["prefect.retries"] == "0"
    assert run.tags["prefect.flow_run_url"].endswith(f"/runs/flow-run/{flow_run_id}")
    # runway.log() from the flow and its tasks, and the returned dict (result_metrics=True)
    assert run.metrics["rows"].last == 7.0
    assert run.metrics["epochs_seen"].last == 3.0
    assert run.metrics["loss"].last == 0.25 and run.metrics["loss"].count == 2
    assert run.metrics["accuracy"].last == 0.9

    kids = children(runway_env, run)
    assert [k.name for k in kids] == sorted(k.name or "" for k in kids)
    assert sorted(k.source_ids["task_name"] for k in kids) == ["fit", "prepare"]
    by_task = {k.source_ids["task_name"]: k for k in kids}
    assert by_task["prepare"].params == {"data.rows": 7, "data.shuffle": True}
    assert by_task["fit"].params == {"rows": 7, "opt.name": "sgd", "opt.lr": 0.01}
    assert by_task["fit"].metrics["accuracy"].last == 0.9
    for kid in kids:
        assert kid.status == "finished"
        assert kid.parent_run_id == run.id
        assert kid.start_time is not None and kid.end_time is not None
        assert run.start_time <= kid.start_time <= kid.end_time <= run.end_time

    # The other way: a link artifact on the Prefect flow run to the Runway run's page.
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    assert [a.type for a in artifacts] == ["markdown"]  # a link artifact
    assert f"http://dashboard.test/run?run={run.id}" in str(artifacts[0].data)


def test_user_hooks_are_kept_and_a_second_track_adds_nothing() -> None:
    calls: list[str] = []

    def mine(flow: Any, flow_run: Any, state: Any) -> None:
        calls.append(state.name)

    base = flow(name="keeps-hooks", on_completion=[mine])(lambda: None)
    tracked = runway.prefect.track(runway.prefect.track(base))
    assert tracked.on_completion_hooks[0] is mine
    assert len(tracked.on_completion_hooks) == 2
    assert len(tracked.on_running_hooks) == 1
    assert base.on_running_hooks == []  # the original flow is not changed
    with pytest.raises(TypeError, match="wraps a Prefect flow or task"):
        runway.prefect.track(lambda: None)


# -- failure after retries ----------------------------------------------------------------------

_attempts: list[int] = []


@task(retries=1, retry_delay_seconds=0)
def flaky(x: int) -> int:
    _attempts.append(x)
    raise ValueError(f"bad input {x}")


@runway.prefect.track
@flow(name="fails-after-retry")
def fails_after_retry(x: int = 1) -> int:
    return flaky(x)


def test_a_task_that_fails_after_a_retry_is_one_failed_child_and_fails_the_flow(
    runway_env: LiveServer,
) -> None:
    _attempts.clear()
    state = fails_after_retry(4, return_state=True)
    assert state.is_failed()
    assert _attempts == [4, 4]
    run = stored(runway_env, state.state_details.flow_run_id)
    assert run.status == "failed"
    assert run.tags["prefect.state"] == "Failed"
    assert "bad input 4" in run.tags["prefect.state_message"]
    kids = children(runway_env, run)
    assert len(kids) == 1  # one run for both tries
    assert kids[0].status == "failed"
    assert kids[0].tags["prefect.retries"] == "1"
    assert kids[0].params == {"x": 4}


_flow_tries: list[int] = []


@runway.prefect.track
@flow(name="flow-retries", retries=1, retry_delay_seconds=0)
def flow_retries() -> str:
    _flow_tries.append(1)
    if len(_flow_tries) == 1:
        raise RuntimeError("first try fails")
    return "ok"


def test_a_flow_retry_is_the_same_run_with_its_retry_count(
    runway_env: LiveServer, project: str
) -> None:
    _flow_tries.clear()
    state = flow_retries(return_state=True)
    assert state.is_completed() and len(_flow_tries) == 2
    run = stored(runway_env, state.state_details.flow_run_id)
    assert run.status == "finished"
    assert run.tags["prefect.retries"] == "1"
    with runway.Client(runway_env.url) as client:
        assert len(client.search_runs(project=project, limit=None)) == 1


# -- crashed --------------------------------------------------------------------------------------


@runway.prefect.track
@flow(name="interrupted")
def interrupted() -> None:
    raise KeyboardInterrupt  # Ctrl-C: the flow run ends Crashed


@runway.prefect.track
@flow(name="crashes")
def crashes() -> None:
    raise SystemExit(3)  # the flow run ends Crashed too, but nobody stopped it


def test_a_flow_stopped_by_ctrl_c_is_a_killed_run_and_another_crash_a_failed_one(
    runway_env: LiveServer, project: str
) -> None:
    with pytest.raises(KeyboardInterrupt):
        interrupted()
    with pytest.raises(SystemExit):
        crashes()
    with runway.Client(runway_env.url) as client:
        tracking.flush(timeout=10)
        runs = {r.name: r for r in client.search_runs(project=project, limit=None)}
    assert len(runs) == 2
    stopped, crashed = sorted(runs.values(), key=lambda r: r.start_time or 0)
    assert stopped.status == "killed"
    assert crashed.status == "failed"
    for run in (stopped, crashed):
        assert run.tags["prefect.state"] == "Crashed"
        assert run.end_time is not None


# -- .map and concurrency -------------------------------------------------------------------------


@task
def score(lr: float) -> dict[str, float]:
    runway.log({"lr_seen": lr})
    return {"score": 1.0 - lr}


@runway.prefect.track(result_metrics=True)
@flow(name="mapped")
def mapped(lrs: list[float]) -> list[dict[str, float]]:
    return score.map(lrs).result()


def test_map_over_five_inputs_makes_five_children_logging_concurrently(
    runway_env: LiveServer,
) -> None:
    lrs = [0.1, 0.2, 0.3, 0.4, 0.5]
    state = mapped(lrs, return_state=True)
    assert state.is_completed()
    run = stored(runway_env, state.state_details.flow_run_id)
    assert run.params == {"lrs": lrs}
    kids = children(runway_env, run)
    assert len(kids) == 5
    assert sorted(k.params["lr"] for k in kids) == lrs
    assert len({k.source_ids["task_run_id"] for k in kids}) == 5
    assert all(k.status == "finished" and k.parent_run_id == run.id for k in kids)
    # runway.log() from five task threads at once, with no init(): all on the flow's run
    with runway.Client(runway_env.url) as client:
        seen = client.get_metric_history(run.id, "lr_seen")
        scores = client.get_metric_history(run.id, "score")
    assert sorted(seen.values) == lrs
    assert sorted(round(v, 6) for v in scores.values) == [0.5, 0.6, 0.7, 0.8, 0.9]


# -- nested subflow -------------------------------------------------------------------------------


@task
def leaf(n: int) -> int:
    return n * 2


@flow(name="inner")
def inner(n: int) -> int:
    runway.log({"inner_n": float(n)})
    return leaf(n)


@runway.prefect.track
@flow(name="outer")
def outer(n: int = 3) -> int:
    return inner(n) + inner(n + 1)


def test_a_nested_subflow_is_a_child_run_with_its_own_task_children(
    runway_env: LiveServer,
) -> None:
    state = outer(5, return_state=True)
    assert state.is_completed()
    run = stored(runway_env, state.state_details.flow_run_id)
    kids = children(runway_env, run)
    subflows = [k for k in kids if k.source_ids.get("flow_name") == "inner"]
    assert len(subflows) == 2
    assert sorted(k.params["n"] for k in subflows) == [5, 6]
    for sub in subflows:
        assert sub.status == "finished" and sub.experiment_id == run.experiment_id
        assert sub.metrics["inner_n"].last == sub.params["n"]  # its own run, not the outer's
        (grandchild,) = children(runway_env, sub)
        assert grandchild.source_ids["task_name"] == "leaf"
        assert grandchild.params == {"n": sub.params["n"]}
    assert "inner_n" not in run.metrics
