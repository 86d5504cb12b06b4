"""The ``store`` fixture: every conformance test runs on SqlStore-on-SQLite, SqlStore-on-PostgreSQL
and HttpStore over the REST API (FastAPI's TestClient, an httpx.Client)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runway_core.schemas import ExperimentCreate, ProjectCreate
from runway_core.store import Store
from tests.runway_core.stores import KINDS, open_store


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    return open_store(request.param, request, tmp_path)


@pytest.fixture
def experiment(store: Store):
    project = store.create_project(ProjectCreate(name="digits", primary_metric="acc"))
    return store.create_experiment(project.id, ExperimentCreate(name="svm"))
