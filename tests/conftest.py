"""Fixtures shared by every test folder: fresh databases and a real ``runway server`` process."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from runway_core import processes
from runway_core.processes import ServerProcess, free_port

PG_ADMIN_URI = os.environ.get("RUNWAY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URI.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:  # any failure means "not reachable", and the reason is shown
        return f"PostgreSQL not reachable at {PG_ADMIN_URI}: {exc}"


@pytest.fixture
def sqlite_uri(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'runway.db'}"


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URI, drop it afterwards.

    Skips when the server is unreachable, except under CI, where that fails the test.
    """
    reason = _pg_reachable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must run the PostgreSQL tests)")
        pytest.skip(reason)
    import psycopg

    name = f"runway_test_{uuid.uuid4().hex[:12]}"
    admin = PG_ADMIN_URI.replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URI.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_uri() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    with fresh_pg_database() as uri:
        yield uri


LiveServer = ServerProcess  # the tests' name for a running ``runway server``


def start_server(
    tmp_path: Path,
    *,
    backend_uri: str | None = None,
    artifacts_uri: str | None = None,
    port: int | None = None,
    workers: int = 1,
    env: dict[str, str] | None = None,
) -> LiveServer:
    """Start ``runway server`` as a real subprocess on a temporary database; wait for /healthz."""
    port = port or free_port()
    return processes.start_server(
        backend_uri or f"sqlite:///{tmp_path / 'server.db'}",
        artifacts_uri or str(tmp_path / "server-artifacts"),
        port=port,
        workers=workers,
        env=env,
        log_path=tmp_path / f"server-{port}.log",
    )


@pytest.fixture
def live_server_factory(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    started: list[LiveServer] = []

    def factory(**kwargs: object) -> LiveServer:
        server = start_server(tmp_path, **kwargs)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def live_server(live_server_factory: Callable[..., LiveServer]) -> LiveServer:
    return live_server_factory()


def pytest_collection_finish(session: pytest.Session) -> None:
    """A run that selects no test is an error (exit 4), never pytest's silent "no tests" (5)."""
    if not session.items and not session.config.option.collectonly:
        raise pytest.UsageError(
            "no tests were collected: check the test paths and the -k / -m expressions"
        )
