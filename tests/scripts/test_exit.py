"""Runs left open are finished when the interpreter exits: normally, by an exception, by SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import runway
from tests.scripts.conftest import run_script

OPEN_RUN = """
    import sys, time
    import runway
    run = runway.init(project="exit", capture=False)
    print(run.id, flush=True)
    for i in range(1000):
        run.log({"x": float(i)})
    if sys.argv[1] == "raise":
        raise RuntimeError("boom")
    if sys.argv[1] == "wait":
        open("ready", "w").close()
        time.sleep(60)
"""


@pytest.mark.parametrize(
    ("how", "status", "code"), [("exit", "finished", 0), ("raise", "failed", 1)]
)
def test_open_run_is_drained_and_closed_at_exit(
    tmp_path: Path, how: str, status: str, code: int
) -> None:
    done = run_script(tmp_path / "train.py", OPEN_RUN, how)
    assert done.returncode == code, done.stderr
    if how == "raise":
        assert "RuntimeError: boom" in done.stderr  # the previous excepthook still printed it
    with runway.Client(str(tmp_path / "runway.db")) as client:
        run = client.get_run(done.stdout.strip())
        assert run.status.value == status
        assert client.get_metric_history(run.id, "x").total_points == 1000


def test_sigterm_marks_the_run_killed_and_keeps_its_points(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(textwrap.dedent(OPEN_RUN))
    child = subprocess.Popen(
        [sys.executable, "train.py", "wait"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "ready").exists():
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()
        time.sleep(0.02)
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGTERM, err  # still dies by the signal, as expected
    with runway.Client(str(tmp_path / "runway.db")) as client:
        run = client.get_run(out.strip())
        assert run.status.value == "killed"
        assert client.get_metric_history(run.id, "x").total_points == 1000


CAUGHT = """
    import os, signal, runway
    run = runway.init(project="exit", capture=False)
    print(run.id, flush=True)
    run.log({"x": 1.0})
    try:
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C
        signal.pause()
    except KeyboardInterrupt:
        pass  # the script catches it and ends normally
"""


def test_a_run_left_open_by_a_script_that_caught_ctrl_c_ends_killed(tmp_path: Path) -> None:
    done = run_script(tmp_path / "train.py", CAUGHT)
    assert done.returncode == 0, done.stderr
    with runway.Client(str(tmp_path / "runway.db")) as client:
        assert client.get_run(done.stdout.strip()).status.value == "killed"
