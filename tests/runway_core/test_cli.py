"""The ``runway`` command: version, and errors as one readable line instead of a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from runway_core import __version__


def runway(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runway.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
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
