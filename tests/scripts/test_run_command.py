"""``runway run -- python script.py``: a run around an uninstrumented (or instrumented) script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import runway


def _runway_run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runway.cli", "run", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "RUNWAY_TRACKING_URI": str(cwd / "runway.db")},
    )


def test_wraps_a_plain_script_with_output_and_status(tmp_path: Path) -> None:
    (tmp_path / "plain.py").write_text(
        "import sys\nprint('epoch 1 loss 0.5')\nprint('warning!', file=sys.stderr)\n"
    )
    done = _runway_run(
        tmp_path, "-p", "wrap", "-t", "team=a", "--", sys.executable, "plain.py", "--lr", "0.1"
    )
    assert done.returncode == 0, done.stderr
    assert "epoch 1 loss 0.5" in done.stdout and "warning!" in done.stderr  # tee'd to terminal
    with runway.Client(str(tmp_path / "runway.db")) as client:
        (run,) = client.search_runs(project="wrap")
        assert run.status.value == "finished" and run.tags == {"team": "a"}
        assert run.command is not None and run.command.endswith("plain.py --lr 0.1")
        log = client.preview_artifact(run.id, "logs/output.log").text or ""
        assert "epoch 1 loss 0.5" in log and "warning!" in log
        assert {"repro/plain.py", "logs/output.log"} <= {
            a.path for a in client.list_artifacts(run.id)
        }


def test_failing_script_gives_failed_run_and_its_exit_code(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("raise SystemExit(3)\n")
    done = _runway_run(tmp_path, "-p", "wrap", "--", sys.executable, "bad.py")
    assert done.returncode == 3
    with runway.Client(str(tmp_path / "runway.db")) as client:
        (run,) = client.search_runs(project="wrap")
        assert run.status.value == "failed" and run.end_time is not None


def test_instrumented_script_attaches_instead_of_creating_a_second_run(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(
        "import runway\n"
        "run = runway.init(project='ignored', params={'lr': 0.1})\n"
        "for i in range(10):\n"
        "    run.log({'loss': 1.0 / (i + 1)})\n"
        "run.finish()\n"
        "print('child run', run.id)\n"
    )
    done = _runway_run(tmp_path, "-p", "wrap", "-e", "attach", "--", sys.executable, "train.py")
    assert done.returncode == 0, done.stderr
    with runway.Client(str(tmp_path / "runway.db")) as client:
        assert [p.name for p in client.list_projects()] == ["wrap"]
        (run,) = client.search_runs(project="wrap")
        assert f"child run {run.id}" in done.stdout
        assert run.status.value == "finished" and run.params == {"lr": 0.1}
        assert client.get_metric_history(run.id, "loss").total_points == 10


def test_nothing_to_run_is_a_usage_error(tmp_path: Path) -> None:
    done = _runway_run(tmp_path)
    assert done.returncode == 2 and "give the command to run after --" in done.stderr


def test_commands_that_cannot_start_exit_like_a_shell(tmp_path: Path) -> None:
    (tmp_path / "not-executable.sh").write_text("echo hi\n")
    missing = _runway_run(tmp_path, "-p", "wrap", "--", "no-such-command-xyz")
    assert missing.returncode == 127 and "Traceback" not in missing.stderr
    assert "could not start 'no-such-command-xyz'" in missing.stderr
    denied = _runway_run(tmp_path, "-p", "wrap", "--", "./not-executable.sh")
    assert denied.returncode == 126 and "Traceback" not in denied.stderr
    with runway.Client(str(tmp_path / "runway.db")) as client:
        runs = client.search_runs(project="wrap")
        assert [r.status.value for r in runs] == ["failed", "failed"]
