"""The dashboard works whatever folder it is started from, even one holding a ``runway/`` folder
(the parent of a checkout): Python and Streamlit put the working folder on ``sys.path``, where an
empty ``runway/`` would be imported instead of the installed package."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from runway_core.processes import free_port, wait_ready
from tests.ui.browser import CHROMIUM, CHROMIUM_ARGS, exceptions, render, require_chromium
from tests.ui.conftest import APP, seed

pytestmark = pytest.mark.e2e

# Runs the app the way `streamlit run` does: a script started in the working folder, which
# `python -c` puts first on sys.path just as `python -m streamlit` does.
_APPTEST = """
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=60)
at.query_params["page"] = "projects"
at.run()
shown = [str(p) for df in at.dataframe for p in df.value.get("project", [])]
print(json.dumps({"exceptions": [e.value for e in at.exception], "projects": shown}))
"""


@pytest.fixture
def shadowing_folder(tmp_path: Path) -> Path:
    """A working folder with an empty ``runway/`` in it, and a seeded database beside it."""
    folder = tmp_path / "work"
    (folder / "runway").mkdir(parents=True)
    seed(f"sqlite:///{tmp_path / 'runway.db'}")
    return folder


def test_a_runway_folder_in_the_working_folder_does_not_shadow_the_package(
    shadowing_folder: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "RUNWAY_TRACKING_URI": f"sqlite:///{tmp_path / 'runway.db'}"}
    out = subprocess.run(
        [sys.executable, "-c", _APPTEST, str(APP)],
        cwd=shadowing_folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr
    page = json.loads(out.stdout.strip().splitlines()[-1])
    assert page["exceptions"] == []
    assert page["projects"] == ["digits"]


@pytest.mark.browser
def test_runway_ui_started_beside_a_runway_folder_renders_pages(
    shadowing_folder: Path, tmp_path: Path
) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright

    port = free_port()
    log = tmp_path / "ui.log"
    args = ["ui", "--port", str(port), "--tracking-uri", str(tmp_path / "runway.db")]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "runway.cli", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=shadowing_folder,
            start_new_session=True,
        )
    try:
        wait_ready(proc, f"http://127.0.0.1:{port}/_stcore/health", "runway ui", log_path=log)
        with sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = chromium.new_page(viewport={"width": 1400, "height": 1000})
            render(page, f"http://127.0.0.1:{port}/projects", "Projects")
            found, body = exceptions(page), page.inner_text("body")
            chromium.close()
        assert found == [], found
        assert "1 projects" in body  # the table is drawn on a canvas; its caption is text
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
