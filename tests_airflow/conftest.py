"""Airflow tests, run in .venv-airflow (scripts/airflow_env.sh) against a real ``runway server``
started from the main .venv (``RUNWAY_TEST_SERVER_BIN``, default ``.venv/bin/runway``).

Airflow reads its configuration when first imported, so the temporary ``AIRFLOW_HOME`` and the
DAG folder are set here, before any test module imports it; ``airflow db migrate`` runs once.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DAGS = Path(__file__).resolve().parent / "dags"
_HOME = Path(tempfile.mkdtemp(prefix="runway-airflow-home-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "RUNWAY_SILENT": "true",
        "RUNWAY_SPOOL_DIR": str(_HOME / "spool"),
    }
)


def airflow_bin() -> str:
    return str(Path(sys.executable).parent / "airflow")


def server_bin() -> Path:
    path = Path(os.environ.get("RUNWAY_TEST_SERVER_BIN") or ROOT / ".venv" / "bin" / "runway")
    if not path.exists():
        pytest.exit(
            f"no runway server at {path}: run scripts/bootstrap.sh, or set RUNWAY_TEST_SERVER_BIN",
            returncode=4,
        )
    return path


def pytest_collection_finish(session: pytest.Session) -> None:
    """A run that selects no test is an error (exit 4), never pytest's silent "no tests" (5)."""
    if not session.items and not session.config.option.collectonly:
        raise pytest.UsageError(
            "no tests were collected: check the test paths and the -k / -m expressions"
        )


# Numbers measured by the tests, shown at the end of the run (pytest -q included).
MEASUREMENTS: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if MEASUREMENTS:
        terminalreporter.section("measurements")
        for line in MEASUREMENTS:
            terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated SQLite metadata database in the temporary AIRFLOW_HOME."""
    started = time.monotonic()
    subprocess.run(
        [airflow_bin(), "db", "migrate"], check=True, capture_output=True, env=os.environ.copy()
    )
    print(f"\nairflow db migrate: {time.monotonic() - started:.1f} s")
    return _HOME


@pytest.fixture(scope="session")
def runway_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``runway server`` (the main .venv's) on a fresh SQLite database; its URL."""
    with start_runway_server(tmp_path_factory.mktemp("runway-server")) as url:
        yield url


@contextlib.contextmanager
def start_runway_server(folder: Path) -> Iterator[str]:
    from runway_core import processes

    port = processes.free_port()
    url = processes.url_of("127.0.0.1", port)
    cmd = [str(server_bin()), "server", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--backend-uri", f"sqlite:///{folder / 'runway.db'}"]
    cmd += ["--artifacts-uri", str(folder / "artifacts"), "--log-level", "warning"]
    log_path = folder / "server.log"
    proc = processes.start(cmd, log_path=log_path)
    try:
        processes.wait_ready(proc, f"{url}/healthz", "runway server", log_path=log_path)
        yield url
    finally:
        processes.stop(proc)


@pytest.fixture
def tracked(runway_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs go to the test server (and the plugin is on)."""
    monkeypatch.setenv("RUNWAY_TRACKING_URI", runway_server)
    monkeypatch.delenv("RUNWAY_AIRFLOW_ENABLED", raising=False)
    return runway_server


def load_dag(name: str) -> Any:
    """The DAG object defined in ``dags/<name>.py`` (the DAG folder Airflow knows)."""
    spec = importlib.util.spec_from_file_location(f"test_dag_{name}", DAGS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.the_dag
