"""Fixtures of the Prefect tests: one real Prefect server (its harness) and one real ``runway
server`` for the session (starting either costs seconds; the budget is minutes), and per test a
project, a spool folder and a dashboard link of its own."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before Prefect is imported anywhere: its home, and no telemetry thread writing to its DB.
_HOME = tempfile.mkdtemp(prefix="runway-prefect-home-")
os.environ["PREFECT_HOME"] = _HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

prefect = pytest.importorskip("prefect")

from tests.conftest import LiveServer, start_server  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def prefect_api() -> Iterator[str]:
    """A temporary Prefect server (SQLite in a temporary folder) for all the tests; its API URL."""
    from prefect.settings import get_current_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield str(get_current_settings().api.url)


@pytest.fixture(scope="session")
def runway_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("runway-server"))
    yield server
    server.stop()


@pytest.fixture
def runway_env(
    tmp_path: Path, runway_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    """Runs go to the session's ``runway server``, in a project of this test's own
    (``RUNWAY_PROJECT``); the dashboard link and the spool folder are this test's too."""
    monkeypatch.setenv("RUNWAY_TRACKING_URI", runway_server.url)
    monkeypatch.setenv("RUNWAY_PROJECT", f"t-{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("RUNWAY_SPOOL_DIR", str(tmp_path / "spool"))
    monkeypatch.setenv("RUNWAY_UI_URL", "http://dashboard.test")
    monkeypatch.setenv("RUNWAY_SILENT", "true")
    for var in ("RUNWAY_EXPERIMENT", "RUNWAY_RUN_ID", "RUNWAY_MODE"):
        monkeypatch.delenv(var, raising=False)
    yield runway_server
    from runway_core import tracking

    tracking.flush(timeout=10)


@pytest.fixture
def project(runway_env: LiveServer) -> str:
    return os.environ["RUNWAY_PROJECT"]
