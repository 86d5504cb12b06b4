"""The ``store`` fixture: every conformance test runs on SqlStore-on-SQLite, SqlStore-on-PostgreSQL
and HttpStore over the REST API (FastAPI's TestClient, an httpx.Client)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from runway_core.models import ExperimentCreate, ProjectCreate
from runway_core.store import Store


@pytest.fixture(params=["sqlite", "postgres", "http"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    kind = request.param
    if kind == "sqlite":
        from runway_core.store.sql import SqlStore

        s: Store = SqlStore(request.getfixturevalue("sqlite_uri"))
    elif kind == "postgres":
        from runway_core.store.sql import SqlStore

        s = SqlStore(request.getfixturevalue("pg_uri"))
    else:
        from fastapi.testclient import TestClient

        from runway.api.app import create_app
        from runway_core.config import Settings
        from runway_core.store.http import HttpStore

        settings = Settings(
            backend_uri=request.getfixturevalue("sqlite_uri"),
            artifacts_uri=str(tmp_path / "artifacts"),
        )
        client = TestClient(create_app(settings))
        client.__enter__()
        s = HttpStore("http://testserver", client=client)
        request.addfinalizer(lambda: client.__exit__(None, None, None))
    yield s
    s.close()


@pytest.fixture
def experiment(store: Store):
    project = store.create_project(ProjectCreate(name="digits", primary_metric="acc"))
    return store.create_experiment(project.id, ExperimentCreate(name="svm"))
