"""Crashed runs in the SQL store: a run whose process sent heart-beats and then went silent is
marked ``crashed``; runs never watched are left alone; a late write revives it; its own final
status still ends it. On SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest

from runway_core.schemas import MetricBatch, MetricSeriesIn, RunStatus, RunUpdate
from runway_core.schemas.search import RunSearch
from runway_core.schemas.writes import (
    CreateRunWrite,
    HeartbeatWrite,
    MetricsWrite,
    RunStart,
    RunUpdateWrite,
)
from runway_core.store.sql import SqlStore
from runway_core.store.sql.heartbeats import mark_crashed_runs

WATCHED, UNWATCHED = "a" * 32, "b" * 32


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, sqlite_uri: str) -> SqlStore:
    uri = sqlite_uri if request.param == "sqlite" else request.getfixturevalue("pg_uri")
    opened = SqlStore(uri)
    request.addfinalizer(opened.close)
    return opened


def _create(store: SqlStore, run_id: str, *, beat: bool) -> None:
    start = RunStart(id=run_id, project="p", experiment="e")
    writes = [CreateRunWrite(run_id=run_id, run=start)]
    results = store.apply_writes([*writes, *([HeartbeatWrite(run_id=run_id)] if beat else [])])
    assert all(r.ok for r in results)


def _points(run_id: str, step: int) -> MetricsWrite:
    series = MetricSeriesIn(steps=[step], timestamps=[1], values=[1.0])
    return MetricsWrite(
        run_id=run_id, batch=MetricBatch(batch_id=f"b{step}", metrics={"x": series})
    )


def test_a_silent_watched_run_becomes_crashed_and_a_late_write_revives_it(
    store: SqlStore,
) -> None:
    _create(store, WATCHED, beat=True)
    _create(store, UNWATCHED, beat=False)  # created over REST or MLflow: no heart-beats
    assert mark_crashed_runs(store, timeout=60) == 0  # heard from just now
    time.sleep(0.05)
    assert mark_crashed_runs(store, timeout=0.01) == 1
    crashed = store.get_run(WATCHED)
    assert crashed.status == RunStatus.crashed and crashed.end_time is not None
    assert store.get_run(UNWATCHED).status == RunStatus.running
    project = crashed.project_id
    search = RunSearch(project_id=project, filter="attributes.status = 'crashed'")
    found = store.search_runs(search)
    assert [r.id for r in found.runs] == [WATCHED]

    # The process was only paused: its next write makes the run running again.
    assert all(r.ok for r in store.apply_writes([_points(WATCHED, 0)]))
    revived = store.get_run(WATCHED)
    assert revived.status == RunStatus.running and revived.end_time is None
    # A crashed run's own final status (e.g. uploaded later by runway sync) ends it.
    time.sleep(0.05)
    assert mark_crashed_runs(store, timeout=0.01) == 1
    update = RunUpdate(status=RunStatus.killed, end_time=123)
    ended = [_points(WATCHED, 1), RunUpdateWrite(run_id=WATCHED, update=update)]
    assert all(r.ok for r in store.apply_writes(ended))
    assert store.get_run(WATCHED).status == RunStatus.killed
    time.sleep(0.05)
    assert mark_crashed_runs(store, timeout=0.01) == 0  # a finished run is never marked


def test_reading_marks_silent_runs_crashed(
    store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded store has no server to sweep: a read does it (at most every few seconds)."""
    monkeypatch.setenv("RUNWAY_RUN_HEARTBEAT_TIMEOUT", "0.2")
    _create(store, WATCHED, beat=True)
    time.sleep(0.8)
    assert store.get_run(WATCHED).status == RunStatus.crashed
