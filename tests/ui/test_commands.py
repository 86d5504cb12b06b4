"""``runway demo`` for real, and the light imports and clear errors of the dashboard commands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
    assert "16 runs in 3 experiments" in out.stdout
    with runway.Client(str(db)) as client:
        project = client.get_project("digits classifier")
        assert project.primary_metric == "val_acc"
        experiments = {e.name: e for e in client.list_experiments(project.id, metric="val_acc")}
        assert {n: e.run_count for n, e in experiments.items()} == {
            "svm": 9,
            "mlp": 4,
            "random-forest": 3,
        }
        assert all(e.metric_best is not None and e.metric_best > 0.9 for e in experiments.values())
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
