"""The ``runway`` command: version, and errors as one readable line instead of a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from runway_core import __version__
from tests.conftest import start_server


def runway(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runway.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_version(tmp_path: Path) -> None:
    out = runway("--version", cwd=tmp_path)
    assert out.returncode == 0 and out.stdout.strip() == f"runway {__version__}"


def test_server_with_unreachable_database_is_one_line(tmp_path: Path) -> None:
    out = runway(
        "server", "--backend-uri", "postgresql+psycopg://nobody@127.0.0.1:1/x", cwd=tmp_path
    )
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    [line] = out.stderr.strip().splitlines()
    assert line.startswith("error: cannot open the database") and "port 1" in line


def test_unknown_command_is_a_usage_error(tmp_path: Path) -> None:
    out = runway("frobnicate", cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr


def test_server_reads_backend_uri_from_the_environment(tmp_path: Path) -> None:
    """RUNWAY_BACKEND_URI is used when --backend-uri is not given (not ./runway.db)."""
    env = {"RUNWAY_BACKEND_URI": "postgresql+psycopg://nobody@127.0.0.1:1/from_env"}
    out = runway("server", cwd=tmp_path, env=env)
    assert out.returncode == 1 and "from_env" in out.stderr, out.stderr
    assert not (tmp_path / "runway.db").exists()
    flag = "postgresql+psycopg://nobody@127.0.0.1:1/from_flag"
    out = runway("server", "--backend-uri", flag, cwd=tmp_path, env=env)
    assert "from_flag" in out.stderr and "from_env" not in out.stderr  # the flag wins


def test_server_banner_hides_the_database_password(tmp_path: Path, pg_uri: str) -> None:
    with_password = pg_uri.replace("postgres@", "postgres:hunter2@")  # trust auth ignores it
    server = start_server(tmp_path, backend_uri=with_password)
    try:
        log = server.log()
        assert "runway server on" in log and "hunter2" not in log
    finally:
        server.stop()
