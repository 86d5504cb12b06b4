"""Fixtures shared by every test folder: fresh databases and a real ``runway server`` process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

PG_ADMIN_URI = os.environ.get("RUNWAY_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@dataclass
class LiveServer:
    url: str
    backend_uri: str
    artifacts_uri: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    tmp_path: Path,
    *,
    backend_uri: str | None = None,
    artifacts_uri: str | None = None,
    port: int | None = None,
    workers: int = 1,
    env: dict[str, str] | None = None,
) -> LiveServer:
    """Start ``runway server`` as a real subprocess and wait until /healthz answers."""
    port = port or free_port()
    backend_uri = backend_uri or f"sqlite:///{tmp_path / 'server.db'}"
    artifacts_uri = artifacts_uri or str(tmp_path / "server-artifacts")
    log_path = tmp_path / f"server-{port}.log"
    cmd = [
        sys.executable,
        "-m",
        "runway.cli",
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--backend-uri",
        backend_uri,
        "--artifacts-uri",
        artifacts_uri,
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    full_env = {**os.environ, **(env or {})}
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=full_env)
    server = LiveServer(f"http://127.0.0.1:{port}", backend_uri, artifacts_uri, proc, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"runway server exited early:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"runway server did not answer /healthz within 60 s:\n{server.log()}")


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
