"""Fixtures of the SDK tests: an isolated spool folder and a helper to run scripts as users do."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def spool_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own spool and no tracking URI or run from the environment."""
    spool = tmp_path / "spool"
    monkeypatch.setenv("RUNWAY_SPOOL_DIR", str(spool))
    for var in (
        "RUNWAY_TRACKING_URI",
        "RUNWAY_MODE",
        "RUNWAY_RUN_ID",
        "RUNWAY_PROJECT",
        "RUNWAY_EXPERIMENT",
    ):
        monkeypatch.delenv(var, raising=False)
    return spool


@pytest.fixture(autouse=True)
def _no_active_run() -> Iterator[None]:
    yield
    import runway

    run = runway.active_run()
    if run is not None:
        run.finish()


def run_script(
    path: Path, source: str, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Write ``source`` to ``path`` and run it with this interpreter, in its folder."""
    path.write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, str(path), *args],
        cwd=path.parent,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
