"""One real ``runway server`` for the MLflow tests, and the real MLflow client pointed at it.

Each test works in experiments of its own names, so the tests share the server without
seeing each other's runs.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from runway_core.store.http import HttpStore
from tests.conftest import LiveServer, start_server

pytestmark = pytest.mark.e2e

# A refused request must fail the test at once, not after the client's retries with backoff.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    proc = start_server(tmp_path_factory.mktemp("mlflow-server"))
    yield proc
    proc.stop()


@pytest.fixture
def mlflow_uri(server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import mlflow

    monkeypatch.setenv("MLFLOW_TRACKING_URI", server.url)
    mlflow.set_tracking_uri(server.url)
    yield server.url
    while mlflow.active_run() is not None:
        mlflow.end_run()


@pytest.fixture
def runway(server: LiveServer) -> Iterator[HttpStore]:
    """Runway's own view of what the MLflow client stored."""
    store = HttpStore(server.url)
    yield store
    store.close()


@pytest.fixture
def name() -> str:
    """A fresh experiment name."""
    return f"exp-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
