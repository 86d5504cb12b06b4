"""One rule for infinities: ±inf in a metric value is stored as NaN on every path (REST, HttpStore,
SqlStore, as the SDK does), and a series' min/max are over its finite values."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from runway.api.app import create_app
from runway_core.config import Settings
from runway_core.metrics.packing import pack_floats, pack_ints
from runway_core.models import MetricChunk
from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    RunCreate,
    RunSearch,
    RunStatus,
    RunUpdate,
)
from runway_core.store import Store
from runway_core.store.http import HttpStore
from runway_core.store.sql import SqlStore

from .conftest import API, ok

INF = math.inf


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_uri(request: pytest.FixtureRequest) -> str:
    uri: str = request.getfixturevalue("sqlite_uri" if request.param == "sqlite" else "pg_uri")
    return uri


@pytest.fixture
def sql(backend_uri: str, tmp_path: Path) -> Iterator[SqlStore]:
    store = SqlStore(backend_uri, artifacts_uri=str(tmp_path / "a"))
    yield store
    store.close()


@pytest.fixture
def api(backend_uri: str, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(backend_uri=backend_uri, artifacts_uri=str(tmp_path / "a")))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _run(store: Store) -> tuple[str, str]:
    project = store.create_project(ProjectCreate(name="p"), exist_ok=True)
    exp = store.create_experiment(project.id, ExperimentCreate(name="e"), exist_ok=True)
    return project.id, store.create_run(RunCreate(experiment_id=exp.id)).id


def test_infinity_over_rest_is_nan_and_min_max_are_finite(api: TestClient, sql: SqlStore) -> None:
    _, run_id = _run(sql)
    raw = (
        '{"metrics": {"m": {"values": [1.5, Infinity, -Infinity, 2.5, 1e999]},'
        ' "ends_inf": {"values": [3.0, -1.0, Infinity]}}}'
    )
    resp = api.post(
        f"{API}/runs/{run_id}/metrics", content=raw, headers={"content-type": "application/json"}
    )
    assert ok(resp)["points"] == 8
    metrics = ok(api.get(f"{API}/runs/{run_id}"))["metrics"]
    assert {k: metrics["m"][k] for k in ("min", "max", "last")} == {
        "min": 1.5,
        "max": 2.5,
        "last": None,
    }
    assert {k: metrics["ends_inf"][k] for k in ("min", "max", "last")} == {
        "min": -1.0,
        "max": 3.0,
        "last": None,
    }
    assert ok(api.get(f"{API}/runs/{run_id}/metrics/m"))["values"] == [1.5, None, None, 2.5, None]
    # Stored as NaN, not as infinity: a Python reader of the store sees NaN as the SDK wrote it.
    assert sql.get_metric_history(run_id, "m").values == [1.5, None, None, 2.5, None]


def _summary(store: Store, run_id: str, key: str) -> dict[str, Any]:
    s = store.get_run(run_id).metrics[key]
    return {"min": s.min, "max": s.max, "last": s.last, "count": s.count}


@pytest.mark.parametrize("transport", ["sql", "http"])
def test_every_store_path_stores_infinity_as_nan(
    api: TestClient, sql: SqlStore, transport: str
) -> None:
    store: Store = sql if transport == "sql" else HttpStore("http://testserver", client=api)
    project_id, run_id = _run(store)
    store.log_metrics(
        run_id, MetricBatch(metrics={"m": MetricSeriesIn(values=[-INF, 0.5, INF, 0.25])})
    )
    # A later batch whose max would be +inf must not hide the finite max either.
    store.log_metrics(run_id, MetricBatch(metrics={"m": MetricSeriesIn(values=[INF, 0.75])}))
    assert _summary(store, run_id, "m") == {"min": 0.25, "max": 0.75, "last": 0.75, "count": 6}
    values = store.get_metric_history(run_id, "m").values
    assert values == [None, 0.5, None, 0.25, None, 0.75]
    # The summaries drive search: the finite max is what a filter compares.
    page = store.search_runs(RunSearch(project_id=project_id, filter="metrics.m.max < 1"))
    assert [r.id for r in page.runs] == [run_id]


def _chunk_ranges(store: SqlStore, run_id: str) -> list[tuple[Any, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(MetricChunk.vmin, MetricChunk.vmax)  # type: ignore[call-overload]
            .where(MetricChunk.run_id == run_id)
            .order_by(MetricChunk.step_min)
        ).all()
    return [(a, b) for a, b in rows]


def test_chunk_ranges_and_compaction_ignore_infinity(sql: SqlStore) -> None:
    """Chunks keep min/max over finite values, also when merging chunks that a server before
    this rule stored with infinities in them."""
    _, run_id = _run(sql)
    sql.log_metrics(run_id, MetricBatch(metrics={"m": MetricSeriesIn(values=[INF, 2.0, -INF])}))
    assert _chunk_ranges(sql, run_id) == [(2.0, 2.0)]
    # Old data: chunks holding raw infinities, as stored before the inf→NaN rule.
    with sql.engine.begin() as conn:
        conn.execute(
            insert(MetricChunk),
            [
                {
                    "run_id": run_id,
                    "key": "m",
                    "step_min": 10 + i,
                    "step_max": 10 + i,
                    "count": 1,
                    "vmin": -INF if i % 2 else 1.0,
                    "vmax": INF if i % 2 else 1.0,
                    "steps": pack_ints([10 + i]),
                    "timestamps": pack_ints([0]),
                    "values": pack_floats([INF if i % 2 else 1.0 + i]),
                }
                for i in range(10)
            ],
        )
    sql.update_run(run_id, RunUpdate(status=RunStatus.finished))  # compacts the series
    assert _chunk_ranges(sql, run_id) == [(1.0, 9.0)]
