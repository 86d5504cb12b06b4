"""End to end: ``runway up --demo`` (real server + dashboard) with every page loaded in Chromium.

Screenshots are kept in ``test-output/screenshots/`` for a person to look at.
"""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

import runway
from tests.conftest import free_port
from tests.ui.browser import exceptions, kill_group, render, screenshot, start_cli, wait_http

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

PROJECT = "digits classifier"


def test_runway_up_demo_every_page_in_chromium(tmp_path: Path, browser) -> None:
    page = browser
    api_port, ui_port = free_port(), free_port()
    log = tmp_path / "up.log"
    proc = start_cli(
        [
            "up",
            "--demo",
            "--port",
            str(api_port),
            "--ui-port",
            str(ui_port),
            "--backend-uri",
            str(tmp_path / "runway.db"),
            "--artifacts-uri",
            str(tmp_path / "artifacts"),
        ],
        log,
        tmp_path,
    )
    api, ui = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{ui_port}"
    try:
        wait_http(proc, f"{ui}/_stcore/health", log, timeout=240)
        # `runway up` prints the URLs once it has seen the dashboard healthy itself, a moment
        # after this test may have.
        for _ in range(50):
            if f"Dashboard: {ui}" in log.read_text():
                break
            time.sleep(0.2)
        assert f"Dashboard: {ui}" in log.read_text() and f"API:       {api}" in log.read_text()
        with runway.Client(api) as client:
            ids = {r.name: r.id for r in client.search_runs(project=PROJECT, limit=100)}
            # Every metric the demo logs ranks the sensible way round.
            goals = {
                key: client.metric_goal(PROJECT, key).goal
                for key in ("val_acc", "train_acc", "loss", "val_loss", "fit_seconds")
            }
            (sweep,) = client.list_sweeps(PROJECT)
        # 16 runs, the demo sweep's 8 trials and, with Prefect installed, its flow and 4 tasks
        prefect_runs = 5 if importlib.util.find_spec("prefect") else 0
        assert len(ids) == 24 + prefect_runs
        assert goals == {
            "val_acc": "max",
            "train_acc": "max",
            "loss": "min",
            "val_loss": "min",
            "fit_seconds": "min",
        }
        p = quote(PROJECT)
        pages = [
            ("projects", "/projects", "Projects", 0),
            ("project", f"/project?project={p}", PROJECT, 1),
            ("experiment", f"/experiment?project={p}&experiment=svm", "svm", 2),
            ("experiment-mlp", f"/experiment?project={p}&experiment=mlp", "mlp", 2),
            ("run", f"/run?run={ids['mlp-2']}", "mlp-2", 4),
            (
                "compare",
                f"/compare?project={p}&runs={ids['mlp-1']},{ids['mlp-3']}&only=1",
                "Compare runs",
                2,
            ),
            (
                "compare-3",
                f"/?page=compare&runs={ids['svm-C1-g0.1']},{ids['mlp-2']},{ids['rf-depth8']}",
                "Compare runs",
                2,
            ),
            ("sweeps", f"/sweeps?project={p}", f"Sweeps of {PROJECT}", 0),
            # best so far, val_acc against C and against gamma, parallel coordinates
            ("sweep", f"/sweeps?sweep={sweep.id}", sweep.name, 4),
            ("run-unknown", "/run?run=does-not-exist", "Runway", 0),
        ]
        for name, path, title, plots in pages:
            if name == "run-unknown":
                page.goto(ui + path)
                page.wait_for_selector('[data-testid="stAlertContentError"]', timeout=60_000)
                assert "does-not-exist" in page.inner_text('[data-testid="stAlertContentError"]')
            else:
                render(page, ui + path, title, plots=plots)
            shot = screenshot(page, name)
            assert not exceptions(page), (name, exceptions(page))
            assert shot.stat().st_size > 10_000
            if name.startswith("compare"):
                diff = page.inner_text("body")
                assert "config.json" in diff and "Differences against" in diff
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # Ctrl-C stops the server and the dashboard
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                kill_group(proc)
                raise
    for url in (f"{api}/healthz", f"{ui}/_stcore/health"):
        with pytest.raises(httpx.HTTPError):
            httpx.get(url, timeout=2)


def test_runway_ui_on_an_empty_database(tmp_path: Path, browser) -> None:
    page = browser
    port = free_port()
    log = tmp_path / "ui.log"
    proc = start_cli(
        ["ui", "--port", str(port), "--tracking-uri", str(tmp_path / "empty.db")], log, tmp_path
    )
    ui = f"http://127.0.0.1:{port}"
    try:
        wait_http(proc, f"{ui}/_stcore/health", log, timeout=120)
        for name, path, title in [
            ("empty-projects", "/projects", "Projects"),
            ("empty-compare", "/compare", "Compare runs"),
            ("empty-project", "/project?project=nope", "Runway"),
        ]:
            if title == "Runway":
                page.goto(ui + path)
                page.wait_for_selector('[data-testid="stAlertContentError"]', timeout=60_000)
            else:
                render(page, ui + path, title)
            screenshot(page, name)
            assert not exceptions(page), (name, exceptions(page))
        render(page, ui + "/projects", "Projects")
        assert "runway.init(" in page.inner_text("body")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            raise
