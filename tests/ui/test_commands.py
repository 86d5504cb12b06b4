"""``runway demo`` for real, and the light imports and clear errors of the dashboard commands."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

import runway
from runway_core.schemas import ProjectCreate
from runway_core.store.sql import SqlStore
from tests.conftest import free_port

pytestmark = pytest.mark.e2e


def _runway(*args: str, pre: str = "", cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    code = (
        f"import sys\n{pre}\nsys.argv = ['runway', *{list(args)!r}]\n"
        "from runway.cli import main\nmain()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def test_version_does_not_import_the_dashboard_stack() -> None:
    code = (
        "import sys\nsys.argv = ['runway', '--version']\nfrom runway.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('streamlit', 'plotly', 'sklearn', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr


def test_commands_are_registered() -> None:
    out = _runway("--help")
    for name in ("demo", "ui", "up"):
        assert f" {name} " in out.stdout, out.stdout


def test_missing_extra_is_one_clear_line(tmp_path: Path) -> None:
    out = _runway(
        "demo", "--tracking-uri", str(tmp_path / "r.db"), pre="sys.modules['sklearn'] = None"
    )
    assert out.returncode == 1
    assert out.stderr.strip() == "error: sklearn not installed: pip install 'runway-tracker[demo]'"
    out = _runway("ui", "--port", "1", pre="sys.modules['streamlit'] = None")
    assert out.returncode == 1
    assert "pip install 'runway-tracker[ui]'" in out.stderr and "Traceback" not in out.stderr


def test_demo_fills_the_digits_project(tmp_path: Path) -> None:
    db = tmp_path / "runway.db"
    out = _runway("demo", "--tracking-uri", str(db), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "16 runs in 3 experiments" in out.stdout and "a sweep of 8 trials" in out.stdout
    with runway.Client(str(db)) as client:
        project = client.get_project("digits classifier")
        assert project.primary_metric == "val_acc"
        experiments = {e.name: e for e in client.list_experiments(project.id, metric="val_acc")}
        assert {n: e.run_count for n, e in experiments.items()} == {
            "svm": 9,
            "mlp": 4,
            "random-forest": 3,
            "svm-sweep": 8,
        }
        assert all(e.metric_best is not None and e.metric_best > 0.9 for e in experiments.values())
        (sweep,) = client.list_sweeps(project.name)
        assert (sweep.state, sweep.counts) == ("finished", {"finished": 8})
        assert sweep.best is not None and sweep.best.value is not None and sweep.best.value > 0.9
        runs = {r.name: r for r in client.search_runs(project="digits classifier", limit=100)}
        mlp = runs["mlp-2"]
        assert mlp.params["hidden_layer_sizes"] == [64] and mlp.status.value == "finished"
        curve = client.get_metric_history(mlp.id, "val_acc")
        assert curve.steps == list(range(1, 31))  # one point per epoch
        paths = {a.path for a in client.list_artifacts(mlp.id)}
        assert {"config.json", "model.joblib", "confusion_matrix.png"} <= paths
        # Runway's own checkout is not the user's code: no git state or source from it.
        assert mlp.git_commit is None and not any(p.endswith((".diff", ".py")) for p in paths)
        assert "repro/requirements.txt" in paths
        diff = client.diff_artifacts(runs["mlp-1"].id, "config.json", runs["mlp-2"].id)
        lines = diff.diff.splitlines()
        assert not diff.identical and "-      32" in lines and "+      64" in lines


def test_up_takes_its_database_from_the_environment_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    db = tmp_path / "team.db"
    store = SqlStore(f"sqlite:///{db}")
    store.create_project(ProjectCreate(name="from-env"))
    store.close()
    cwd = tmp_path / "elsewhere"  # where the default ./runway.db would land
    cwd.mkdir()
    api_port, ui_port = free_port(), free_port()
    log = tmp_path / "up.log"
    env = {**os.environ, "RUNWAY_BACKEND_URI": str(db), "RUNWAY_ARTIFACTS_URI": str(tmp_path / "a")}
    args = ["up", "--port", str(api_port), "--ui-port", str(ui_port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "runway.cli", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while "Press Ctrl-C" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        with runway.Client(f"http://127.0.0.1:{api_port}") as client:
            assert [p.name for p in client.list_projects()] == ["from-env"]
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        proc.wait(timeout=30)
        assert "Traceback" not in log.read_text(), log.read_text()
        assert not (cwd / "runway.db").exists()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def busy_port() -> Iterator[Callable[[], int]]:
    """``busy_port()``: a port on 127.0.0.1 that a listening socket holds until the test ends."""
    held: list[socket.socket] = []

    def hold() -> int:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        held.append(sock)
        return int(sock.getsockname()[1])

    yield hold
    for sock in held:
        sock.close()


@pytest.mark.parametrize("busy", [("API",), ("dashboard",), ("API", "dashboard")])
def test_up_names_every_busy_port_and_starts_nothing(
    tmp_path: Path, busy_port: Callable[[], int], busy: tuple[str, ...]
) -> None:
    api = busy_port() if "API" in busy else free_port()
    dash = busy_port() if "dashboard" in busy else free_port()
    db = tmp_path / "runway.db"
    out = _runway("up", "--port", str(api), "--ui-port", str(dash), "--backend-uri", str(db))
    ports, options = {"API": api, "dashboard": dash}, {"API": "--port", "dashboard": "--ui-port"}
    found = "; ".join(f"port {ports[b]} ({b}) is in use" for b in busy)
    expected = f"{found} — pass " + " / ".join(options[b] for b in busy)
    assert (out.returncode, out.stderr.strip(), out.stdout) == (1, f"error: {expected}", "")
    assert not db.exists()  # no server was started


def test_ui_says_its_port_is_busy(tmp_path: Path, busy_port: Callable[[], int]) -> None:
    port = busy_port()
    out = _runway("ui", "--port", str(port), "--tracking-uri", str(tmp_path / "r.db"))
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.strip() == f"error: port {port} (dashboard) is in use — pass --port"


def test_killing_up_stops_the_server_and_the_dashboard(tmp_path: Path) -> None:
    """SIGKILL gives `runway up` no chance to stop its children: they must notice on their own."""
    api_port, ui_port = free_port(), free_port()
    log = tmp_path / "up.log"
    args = ["up", "--port", str(api_port), "--ui-port", str(ui_port)]
    args += ["--backend-uri", str(tmp_path / "runway.db")]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "runway.cli", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            start_new_session=True,  # the test can clean up the whole group if children linger
        )
    urls = [f"http://127.0.0.1:{api_port}/healthz", f"http://127.0.0.1:{ui_port}/_stcore/health"]
    try:
        deadline = time.monotonic() + 120
        while "Press Ctrl-C" not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 10
        answering = urls
        while answering and time.monotonic() < deadline:
            time.sleep(0.3)
            answering = [url for url in urls if _answers(url)]
        assert answering == [], log.read_text()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1)
    except httpx.HTTPError:
        return False
    return True
