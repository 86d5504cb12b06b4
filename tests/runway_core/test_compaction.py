"""A finished run's small metric chunks are merged; its history reads back exactly the same."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from runway_core.models import MetricChunk
from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    RunCreate,
    RunStatus,
    RunUpdate,
)
from runway_core.store.sql import SqlStore


@pytest.fixture(params=["sqlite_uri", "pg_uri"])
def store(request: pytest.FixtureRequest):
    s = SqlStore(str(request.getfixturevalue(request.param)))
    yield s
    s.close()


def chunk_count(store: SqlStore, run_id: str) -> int:
    with store.engine.connect() as conn:
        query = select(func.count()).where(MetricChunk.run_id == run_id)  # type: ignore[arg-type]
        return int(conn.execute(query.select_from(MetricChunk)).scalar_one())


def test_finishing_a_run_merges_its_chunks(store: SqlStore) -> None:
    p = store.create_project(ProjectCreate(name="p"))
    e = store.create_experiment(p.id, ExperimentCreate(name="e"))
    run = store.create_run(RunCreate(experiment_id=e.id))
    # 60 one-second flushes, with a step that goes backwards and a repeated step (tie order).
    for i in range(60):
        steps = [i * 3, i * 3 + 1, i * 3 + 2]
        if i == 30:
            steps = [5, 5, 200]
        store.log_metrics(
            run.id,
            MetricBatch(
                metrics={
                    "loss": MetricSeriesIn(
                        steps=steps, timestamps=[i] * 3, values=[float(i), None, -float(i)]
                    ),
                    "acc": MetricSeriesIn(steps=[i], values=[i / 60]),
                }
            ),
        )
    before = {k: store.get_metric_history(run.id, k) for k in ("loss", "acc")}
    summary = store.get_run(run.id).metrics
    assert chunk_count(store, run.id) == 120

    store.update_run(run.id, RunUpdate(status=RunStatus.finished))

    assert chunk_count(store, run.id) == 2  # one chunk per key
    for key, series in before.items():
        assert store.get_metric_history(run.id, key) == series
        assert store.get_metric_history(run.id, key, max_points=10) is not None
    assert store.get_run(run.id).metrics == summary
    # Compacting again, or concurrently (each end of a run compacts), changes nothing.
    end = RunUpdate(status=RunStatus.finished)
    threads = [threading.Thread(target=store.update_run, args=(run.id, end)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert chunk_count(store, run.id) == 2
    assert store.get_metric_history(run.id, "loss") == before["loss"]
    # Late metrics after the end are kept alongside the merged chunk.
    store.log_metrics(run.id, MetricBatch(metrics={"acc": MetricSeriesIn(values=[1.0])}))
    assert store.get_metric_history(run.id, "acc").values[-1] == 1.0
