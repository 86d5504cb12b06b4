"""Ctrl-C: the terminal sends SIGINT to the whole foreground process group. Under ``runway run``
both the wrapper and the script get it; every point logged before the interrupt must be stored,
the run must end ``killed``, and no traceback may come from Runway's own code."""

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

SCRIPT = """
    import time
    from pathlib import Path
    import runway

    run = runway.init(project="ctrlc", capture=False)
    logged = 0
    try:
        while True:
            run.log({"x": float(logged)}, step=logged)
            logged += 1
            print("step", logged, "x" * 200, flush=True)  # output for runway run to pump
            if logged == 100:
                Path("ready").write_text(run.id)
            time.sleep(0.002)
    finally:
        Path("logged").write_text(str(logged))
"""


def _wait_for(marker: Path, child: subprocess.Popen[str], timeout: float = 60) -> str:
    """The text a script writes to ``marker`` once it is ready (not before it is written)."""
    deadline = time.monotonic() + timeout
    while not (marker.exists() and (text := marker.read_text())):
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()
        time.sleep(0.02)
    return text


def _runway_frames(stderr: str) -> list[str]:
    """Traceback lines that point into Runway's code (the user's own frames are fine)."""
    return [
        line
        for line in stderr.splitlines()
        if line.strip().startswith("File ")
        and ("runway_core" in line or "integrations" in line or "/runway/" in line)
    ]


@pytest.mark.parametrize("wrapped", [True, False], ids=["runway-run", "plain"])
def test_ctrl_c_stores_every_point_and_ends_the_run_killed(
    tmp_path: Path, live_server, wrapped: bool
) -> None:
    (tmp_path / "train.py").write_text(textwrap.dedent(SCRIPT))
    command = [sys.executable, "train.py"]
    if wrapped:
        command = [sys.executable, "-m", "runway.cli", "run", "-p", "ctrlc", "--", *command]
    env = {**os.environ, "RUNWAY_TRACKING_URI": live_server.url}
    # A session of its own, like a terminal's foreground job: the signal goes to the group.
    child = subprocess.Popen(
        command,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    run_id = _wait_for(tmp_path / "ready", child)
    time.sleep(0.3)  # points keep coming in, some sent, some still buffered
    os.killpg(child.pid, signal.SIGINT)
    _out, err = child.communicate(timeout=60)
    assert child.returncode in (130, -signal.SIGINT), err
    assert "Error in sys.excepthook" not in err and "Exception ignored" not in err, err
    assert _runway_frames(err) == [], err
    logged = int((tmp_path / "logged").read_text())
    with runway.Client(live_server.url) as client:
        run = client.get_run(run_id)
        assert run.status.value == "killed"
        series = client.get_metric_history(run_id, "x")
        assert series.steps == list(range(logged)), f"{series.total_points} of {logged} stored"


COUNTING = """
    import signal, time
    from pathlib import Path

    received = []
    signal.signal(signal.SIGINT, lambda *_: received.append(1))
    Path("ready").write_text("yes")
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        pass  # running, so the group's SIGINT is handled at once and a second one is seen
    Path("received").write_text(str(len(received)))
"""


def test_runway_run_does_not_deliver_the_groups_sigint_a_second_time(tmp_path: Path) -> None:
    (tmp_path / "count.py").write_text(textwrap.dedent(COUNTING))
    child = subprocess.Popen(
        [sys.executable, "-m", "runway.cli", "run", "--", sys.executable, "count.py"],
        cwd=tmp_path,
        env={**os.environ, "RUNWAY_TRACKING_URI": str(tmp_path / "runway.db")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    _wait_for(tmp_path / "ready", child)
    os.killpg(child.pid, signal.SIGINT)
    _out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert (tmp_path / "received").read_text() == "1"  # the terminal's one Ctrl-C, not two


MANY_POINTS = """
    import time
    from pathlib import Path
    import runway

    run = runway.init(project="ctrlc", capture=False)
    for step in range(200_000):
        run.log({f"k{k}": float(step) for k in range(5)}, step=step)
    Path("ready").write_text(run.id)
    time.sleep(60)
"""


def test_a_second_ctrl_c_during_the_final_upload_loses_nothing(tmp_path: Path, live_server) -> None:
    """The user presses Ctrl-C twice: the second lands while the last points are uploaded."""
    (tmp_path / "train.py").write_text(textwrap.dedent(MANY_POINTS))
    child = subprocess.Popen(
        [sys.executable, "train.py"],
        cwd=tmp_path,
        env={**os.environ, "RUNWAY_TRACKING_URI": live_server.url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    run_id = _wait_for(tmp_path / "ready", child, timeout=120)
    os.killpg(child.pid, signal.SIGINT)
    time.sleep(0.15)
    os.killpg(child.pid, signal.SIGINT)
    _out, err = child.communicate(timeout=120)
    assert "Error in sys.excepthook" not in err and "Exception ignored" not in err, err
    assert _runway_frames(err) == [], err
    with runway.Client(live_server.url) as client:
        assert client.get_run(run_id).status.value == "killed"
        for k in range(5):
            assert client.get_metric_history(run_id, f"k{k}").total_points == 200_000
