"""Counts a request may carry: capped with a 413 naming the limit and its setting, and under the
caps no SQL statement exceeds PostgreSQL's 65,535 or SQLite's 32,766 bound values (which used to
answer 503, "temporarily unavailable", so clients retried for ever)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from runway.api.app import create_app
from runway_core.config import Settings
from runway_core.errors import InvalidFilter
from runway_core.schemas import ExperimentCreate, ProjectCreate, RunCreate, RunSearch
from runway_core.store.sql import SqlStore

from .conftest import API, error, ok

SQLITE_DEFAULT_MAX_VARIABLES = 32_766  # Debian builds SQLite with a higher limit; most do not
PG_MAX_PARAMETERS = 65_535


def _past_the_limit(store: SqlStore) -> int:
    """A count of keys one statement could not bind on this database."""
    return (
        PG_MAX_PARAMETERS if store.dialect == "postgresql" else SQLITE_DEFAULT_MAX_VARIABLES
    ) + 500


def _stock_sqlite_limit(store: SqlStore) -> None:
    """Give this machine's SQLite the bound-value limit most SQLite builds have."""

    @event.listens_for(store.engine, "connect")
    def _limit(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, SQLITE_DEFAULT_MAX_VARIABLES)

    store.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    uri = request.getfixturevalue("sqlite_uri" if request.param == "sqlite" else "pg_uri")
    s = SqlStore(uri, artifacts_uri=str(tmp_path / "a"))
    if request.param == "sqlite":
        _stock_sqlite_limit(s)
    yield s
    s.close()


def _client(store: SqlStore, **limits: int) -> TestClient:
    app = create_app(Settings(**limits), store=store)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def api(store: SqlStore) -> Iterator[TestClient]:
    with _client(store) as c:
        yield c


@pytest.fixture
def ids(store: SqlStore) -> dict[str, str]:
    project = store.create_project(ProjectCreate(name="p"))
    exp = store.create_experiment(project.id, ExperimentCreate(name="e"))
    run = store.create_run(RunCreate(experiment_id=exp.id))
    return {"project": project.id, "experiment": exp.id, "run": run.id}


def _keys(n: int, prefix: str = "k") -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def test_a_metric_batch_at_the_key_cap_is_stored_and_one_over_is_413(
    api: TestClient, ids: dict[str, str]
) -> None:
    url = f"{API}/runs/{ids['run']}/metrics"
    # No steps: the server looks up where each key's series continues (one IN list of keys).
    over = {"metrics": {k: {"values": [1.0]} for k in _keys(10_001)}}
    err = error(api.post(url, json=over), 413)
    assert err["code"] == "PAYLOAD_TOO_LARGE"
    assert err["field"] == "metrics"
    assert "10000" in err["message"] and "RUNWAY_MAX_BATCH_KEYS" in err["message"]
    assert ok(api.get(f"{API}/runs/{ids['run']}"))["metrics"] == {}
    under = {"metrics": {k: {"values": [1.0]} for k in _keys(10_000)}}
    assert ok(api.post(url, json=under))["points"] == 10_000
    assert ok(api.post(url, json=under))["points"] == 10_000  # continues each series
    assert ok(api.get(f"{url}/k9999"))["steps"] == [0, 1]


def test_a_raised_key_cap_still_fits_each_statement(store: SqlStore, ids: dict[str, str]) -> None:
    """More keys than a statement may bind: the store sends its lookups in slices."""
    n = _past_the_limit(store)
    with _client(store, max_batch_keys=n) as api:
        url = f"{API}/runs/{ids['run']}/metrics"
        batch = {"metrics": {k: {"values": [0.5]} for k in _keys(n)}}
        assert ok(api.post(url, json=batch))["points"] == n
        assert ok(api.post(url, json=batch))["points"] == n
        assert ok(api.get(f"{url}/k{n - 1}"))["values"] == [0.5, 0.5]


def test_params_and_tags_past_a_statement_limit_are_stored(
    store: SqlStore, ids: dict[str, str]
) -> None:
    """The embedded store has no request caps: more params or tags in one call than a statement
    may bind must work."""
    n = _past_the_limit(store)
    store.log_params(ids["run"], {k: 1 for k in _keys(n, "p")})
    store.log_params(ids["run"], {k: 1 for k in _keys(n, "p")})  # all repeats: compared, kept
    store.set_tags(ids["run"], {k: "v" for k in _keys(n, "t")})
    run = store.get_run(ids["run"])
    assert (len(run.params), len(run.tags)) == (n, n)


def test_params_and_tags_per_request_are_capped(api: TestClient, ids: dict[str, str]) -> None:
    run = ids["run"]
    nested = {"opt": {k: 1 for k in _keys(6_000)}, "data": {k: 1 for k in _keys(4_001)}}
    err = error(api.post(f"{API}/runs/{run}/params", json={"params": nested}), 413)
    assert err["field"] == "params" and "10001 params" in err["message"]
    tags = dict.fromkeys(_keys(10_001), "x")
    err = error(api.post(f"{API}/runs/{run}/tags", json={"tags": tags}), 413)
    assert err["field"] == "tags"
    assert ok(api.get(f"{API}/runs/{run}"))["params"] == {}


def test_bulk_registration_at_the_cap_and_over_it(api: TestClient, ids: dict[str, str]) -> None:
    def runs(n: int) -> list[dict[str, Any]]:
        return [
            {
                "experiment_id": ids["experiment"],
                "name": f"trial-{i}",
                "params": {"lr": i / 1000, "opt": {"name": "adam", "beta": 0.9}},
                "tags": {"sweep": "s1", "trial": str(i)},
            }
            for i in range(n)
        ]

    err = error(api.post(f"{API}/runs/bulk", json={"runs": runs(1_001)}), 413)
    assert err["field"] == "runs"
    assert "1000" in err["message"] and "RUNWAY_MAX_BULK_RUNS" in err["message"]
    too_many_tags = runs(2)
    too_many_tags[1]["tags"] = dict.fromkeys(_keys(10_001), "x")
    err = error(api.post(f"{API}/runs/bulk", json={"runs": too_many_tags}), 413)
    assert err["field"] == "runs.1.tags"
    search = {"experiment_ids": [ids["experiment"]], "limit": 2000}
    assert len(ok(api.post(f"{API}/runs/search", json=search))["runs"]) == 1  # the fixture's

    created = ok(api.post(f"{API}/runs/bulk", json={"runs": runs(1_000)}), 201)
    assert created["count"] == 1_000
    assert created["data"][999]["params"] == {"lr": 0.999, "opt.name": "adam", "opt.beta": 0.9}
    assert len(ok(api.post(f"{API}/runs/search", json=search))["runs"]) == 1_001


def test_a_filter_with_too_many_values_is_400_not_503(store: SqlStore, ids: dict[str, str]) -> None:
    """40 IN lists of 1,000 values fit the filter's length limit but not one statement."""
    in_list = "params.a IN (" + ",".join(["1"] * 1_000) + ")"
    text = " or ".join([in_list] * 40)
    with pytest.raises(InvalidFilter) as info:
        store.search_runs(RunSearch(project_id=ids["project"], filter=text))
    assert "10000 values" in info.value.message
    assert info.value.position is not None
    just_under = " or ".join([in_list] * 10)
    assert store.search_runs(RunSearch(project_id=ids["project"], filter=just_under)).runs == []
