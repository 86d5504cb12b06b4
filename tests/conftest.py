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
from tests.dbtemplates import copy_sqlite_template, pg_template

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
    """A fresh SQLite database for one test, already migrated (a copy of the template)."""
    return f"sqlite:///{copy_sqlite_template(tmp_path / 'runway.db')}"


@pytest.fixture
def empty_sqlite_uri(tmp_path: Path) -> str:
    """The path of a SQLite database that does not exist yet (for migration tests)."""
    return f"sqlite:///{tmp_path / 'runway.db'}"


@contextmanager
def fresh_pg_database(*, migrated: bool = True) -> Iterator[str]:
    """Create a PostgreSQL database, yield its URI, drop it afterwards: migrated (a copy of the
    template, see tests/dbtemplates.py) or, with ``migrated=False``, empty.

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
    base = PG_ADMIN_URI.rsplit("/", 1)[0]
    template = f' TEMPLATE "{pg_template(admin, base)}"' if migrated else ""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{template}')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_uri() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, already migrated; dropped afterwards."""
    with fresh_pg_database() as uri:
        yield uri


@pytest.fixture
def empty_pg_uri() -> Iterator[str]:
    """A fresh, empty PostgreSQL database (no tables) for one test; dropped afterwards."""
    with fresh_pg_database(migrated=False) as uri:
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
    if backend_uri is None:
        db = tmp_path / "server.db"
        if not db.exists():  # a migrated copy: the server's start-up migration has nothing to do
            copy_sqlite_template(db)
        backend_uri = f"sqlite:///{db}"
    return processes.start_server(
        backend_uri,
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


NO_TESTS = "no tests were collected: check the test paths and the -k / -m expressions"
# pytest-xdist (-n) sends each group to one worker: the session-scoped heavy fixtures of these
# folders (the Prefect harness, the MLflow tests' server, SeaweedFS) then start once, on the
# worker that runs the group, rather than once per worker.
XDIST_GROUPS = {"prefect": "prefect", "mlflow": "mlflow"}
XDIST_FIXTURE_GROUPS = {"weed": "s3"}
# Markers implied by the fixtures (or parameters) a test uses, so that `-m "not e2e and not
# postgres"` (scripts/test.sh --quick) leaves out every test that needs them.
FIXTURE_MARKS = {
    "pg_uri": "postgres",
    "empty_pg_uri": "postgres",
    "module_pg_uri": "postgres",
    "live_server": "e2e",
    "live_server_factory": "e2e",
    "seeded_server": "e2e",
    "runway_server": "e2e",
    "browser": "browser",
    "weed": "s3",
}
PARAM_MARKS = {"postgres": "postgres", "postgresql": "postgres", "pg_uri": "postgres"}


def _implied_marks(item: pytest.Item) -> set[str]:
    marks = {FIXTURE_MARKS[f] for f in getattr(item, "fixturenames", ()) if f in FIXTURE_MARKS}
    callspec = getattr(item, "callspec", None)
    for value in callspec.params.values() if callspec else ():
        if isinstance(value, str) and value in PARAM_MARKS:
            marks.add(PARAM_MARKS[value])
    return marks


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the marks (--dist loadgroup)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = Path(__file__).parent
    for item in items:
        for mark in _implied_marks(item) - {m.name for m in item.iter_markers()}:
            item.add_marker(mark)
        if item.get_closest_marker("xdist_group"):
            continue
        folder = item.path.relative_to(tests).parts[0] if item.path.is_relative_to(tests) else ""
        group = XDIST_GROUPS.get(folder)
        for fixture, name in XDIST_FIXTURE_GROUPS.items():
            if fixture in getattr(item, "fixturenames", ()):
                group = name
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_collection_finish(session: pytest.Session) -> None:
    """A run that selects no test is an error (exit 4), never pytest's silent "no tests" (5)."""
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller's pytest_sessionfinish below decides
    if not session.items and not session.config.option.collectonly:
        raise pytest.UsageError(NO_TESTS)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under xdist the controller collects nothing itself; a run whose workers selected no test
    ends with 5, made a usage error (4) here, as in a serial run."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and not hasattr(
        session.config, "workerinput"
    ):
        print(f"\nerror: {NO_TESTS}")
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
