"""The folder ``runway server --workers N`` gives its workers for /metrics: fresh at each start,
and the folders of servers that are gone are removed rather than left to pile up."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from runway_core.cli.server import fresh_metrics_dir


def test_a_fresh_folder_and_no_leftovers_of_dead_servers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = tmp_path / f"runway-metrics-{gone.stdout.strip()}"
    alive = tmp_path / f"runway-metrics-{os.getppid()}"  # a running process: kept
    mine_before = tmp_path / f"runway-metrics-{os.getpid()}"  # an earlier start of this pid
    other = tmp_path / "runway-metrics-notes"  # not ours by name: kept
    for folder in (dead, alive, mine_before, other):
        folder.mkdir()
        (folder / "counter_1.db").write_bytes(b"old")
    made = fresh_metrics_dir()
    assert made == mine_before and list(made.iterdir()) == []
    assert (made.stat().st_mode & 0o777) == 0o700
    assert not dead.exists()
    assert alive.exists() and other.exists()
