"""HttpStore over the API: the same results and the same exception classes as the SQL store."""

from __future__ import annotations

import math

import httpx
import pytest
from fastapi import FastAPI

from runway_core.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    NotFound,
    RunwayError,
    StoreUnavailable,
)
from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    ProjectUpdate,
    RunCreate,
    RunStatus,
    RunUpdate,
)
from runway_core.store.http import HttpStore
from runway_core.store.sql import SqlStore
from tests.conftest import LiveServer, free_port


def _run(store: HttpStore, project: str = "p/1", **params: object) -> str:
    pid = store.create_project(ProjectCreate(name=project), exist_ok=True).id
    eid = store.create_experiment(pid, ExperimentCreate(name="e 1"), exist_ok=True).id
    return store.create_run(RunCreate(experiment_id=eid, params=dict(params))).id


def test_errors_come_back_as_the_same_classes(http_store: HttpStore) -> None:
    with pytest.raises(NotFound) as nf:
        http_store.get_run("nope")
    assert nf.value.field == "run_id"
    http_store.create_project(ProjectCreate(name="dup"))
    with pytest.raises(AlreadyExists):
        http_store.create_project(ProjectCreate(name="dup"))
    rid = _run(http_store, C=1)
    with pytest.raises(Conflict) as conflict:
        http_store.log_params(rid, {"C": 2})
    assert conflict.value.field == "params.C"
    http_store.log_params(rid, {"C": 2}, overwrite=True)
    assert http_store.get_run(rid).params == {"C": 2}
    with pytest.raises(InvalidInput) as bad:
        http_store.log_metrics(
            rid, MetricBatch(metrics={"x": MetricSeriesIn(values=[1], steps=[])})
        )
    assert bad.value.field == "metrics.x.steps"


def test_nan_param_is_refused_not_turned_into_null(http_store: HttpStore) -> None:
    rid = _run(http_store)
    with pytest.raises(InvalidInput) as bad:
        http_store.log_params(rid, {"lr": math.nan})
    assert bad.value.field == "params.lr"
    assert http_store.get_run(rid).params == {}


def test_names_and_keys_with_slashes(http_store: HttpStore) -> None:
    rid = _run(http_store, project="team/a b")
    project = http_store.get_project_by_name("team/a b")
    assert http_store.get_experiment_by_name(project.id, "e 1").name == "e 1"
    http_store.set_tags(rid, {"ci/job": "42"})
    http_store.delete_tag(rid, "ci/job")
    assert http_store.get_run(rid).tags == {}
    with pytest.raises(NotFound):
        http_store.delete_tag(rid, "ci/job")
    batch = MetricBatch(metrics={"val/acc": MetricSeriesIn(values=[0.1, math.nan, 0.3])})
    assert http_store.log_metrics(rid, batch).points == 3
    series = http_store.get_metric_history(rid, "val/acc")
    assert series.values == [0.1, None, 0.3] and series.steps == [0, 1, 2]


def test_infinity_reaches_the_store_and_is_stored_as_nan(
    http_store: HttpStore, app: FastAPI
) -> None:
    """Sent as a bare token (not null), then stored as NaN like the SDK's: max is the finite 1.0."""
    rid = _run(http_store)
    http_store.log_metrics(rid, MetricBatch(metrics={"x": MetricSeriesIn(values=[1.0, math.inf])}))
    sql: SqlStore = app.state.store
    summary = sql.get_run(rid).metrics["x"]
    assert (summary.max, summary.last, summary.count) == (1.0, None, 2)


def test_crud_roundtrip(http_store: HttpStore) -> None:
    p = http_store.create_project(ProjectCreate(name="p"))
    assert http_store.update_project(p.id, ProjectUpdate(description="d")).description == "d"
    assert [s.name for s in http_store.list_projects(search="p")] == ["p"]
    e = http_store.create_experiment(p.id, ExperimentCreate(name="e"))
    assert [x.id for x in http_store.list_experiments(p.id)] == [e.id]
    runs = http_store.create_runs(
        [RunCreate(experiment_id=e.id, params={"i": i}) for i in range(3)]
    )
    assert len(runs) == 3
    done = http_store.update_run(runs[0].id, RunUpdate(status=RunStatus.finished))
    assert done.status == RunStatus.finished
    http_store.delete_run(runs[1].id)
    assert http_store.restore_run(runs[1].id).deleted_at is None
    http_store.delete_experiment(e.id)
    http_store.delete_project(p.id)
    with pytest.raises(NotFound):
        http_store.get_project(p.id)


def test_unreachable_server_is_store_unavailable() -> None:
    store = HttpStore(f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(StoreUnavailable) as exc:
        store.list_projects()
    assert "127.0.0.1" in str(exc.value)
    store.close()


def test_proxy_errors_and_token() -> None:
    """A load balancer's plain-text 502 is StoreUnavailable; the token goes in every request."""
    seen: list[str | None] = []

    def proxy(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        if request.url.path.endswith("/projects"):
            return httpx.Response(502, text="Bad Gateway")
        return httpx.Response(418, text="teapot")

    client = httpx.Client(transport=httpx.MockTransport(proxy))
    store = HttpStore("http://runway.example/", client=client, token="t0k")
    with pytest.raises(StoreUnavailable):
        store.list_projects()
    with pytest.raises(RunwayError) as other:
        store.get_project("x")
    assert "418" in str(other.value)
    assert seen == ["Bearer t0k", "Bearer t0k"]


@pytest.mark.e2e
def test_end_to_end_through_a_real_server(live_server: LiveServer) -> None:
    with HttpStore(live_server.url) as store:
        rid = _run(store, lr=0.01)
        steps = list(range(1000))
        batch = MetricBatch(
            batch_id="b-1",
            metrics={
                f"m{k}": MetricSeriesIn(steps=steps, values=[k + s / 1000 for s in steps])
                for k in range(5)
            },
        )
        assert store.log_metrics(rid, batch).points == 5000
        assert store.log_metrics(rid, batch).duplicate is True
        store.update_run(rid, RunUpdate(status=RunStatus.finished))
        run = store.get_run(rid)
        assert run.status == RunStatus.finished and run.params == {"lr": 0.01}
        assert run.metrics["m4"].last == pytest.approx(4.999) and run.metrics["m4"].count == 1000
        series = store.get_metric_history(rid, "m2", max_points=50)
        assert series.total_points == 1000 and len(series.values) <= 50
        with pytest.raises(NotFound):
            store.get_metric_history(rid, "missing")
        response = httpx.get(f"{live_server.url}/api/v1/runs/{rid}/metrics/m0?max_points=0")
        assert response.status_code == 400 and response.json()["error"]["field"] == "max_points"
    assert "Traceback" not in live_server.log()


def test_search_over_http(http_store: HttpStore) -> None:
    from runway_core.errors import InvalidFilter
    from runway_core.schemas import RunSearch

    rid = _run(http_store, model="svm")
    eid = http_store.get_run(rid).experiment_id
    page = http_store.search_runs(RunSearch(experiment_ids=[eid], filter="params.model = 'svm'"))
    assert [r.id for r in page.runs] == [rid]
    with pytest.raises(InvalidFilter) as bad:
        http_store.search_runs(RunSearch(experiment_ids=[eid], filter="params.model = "))
    assert bad.value.position is not None
