"""Fixtures of the run-lifecycle tests: an isolated spool and environment, no run left open."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def spool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    spool = tmp_path / "spool"
    monkeypatch.setenv("RUNWAY_SPOOL_DIR", str(spool))
    monkeypatch.setenv("RUNWAY_SILENT", "true")
    for var in ("RUNWAY_TRACKING_URI", "RUNWAY_MODE", "RUNWAY_RUN_ID", "RUNWAY_PROJECT"):
        monkeypatch.delenv(var, raising=False)
    return spool


@pytest.fixture(autouse=True)
def _no_open_run() -> Iterator[None]:
    yield
    from runway_core import tracking

    while (run := tracking.current_run()) is not None:
        run.finish()
