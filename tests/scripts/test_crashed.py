"""A killed script: what a SIGKILL can lose is bounded by the flush interval, and a run whose
process stopped sending heart-beats becomes ``crashed`` on the server while a live one does not.
Against a real ``runway server``."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import runway
from runway_core.schemas.writes import HeartbeatWrite
from runway_core.store.http import HttpStore
from tests.conftest import LiveServer

LOGGING = """
    import os, struct, sys, time
    from pathlib import Path
    import runway

    run = runway.init(project="killed", capture=False)
    record = os.open("logged.bin", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    step = 0
    while True:
        run.log({"x": float(step)}, step=step)
        os.write(record, struct.pack("<qd", step, time.time()))  # when each point was logged
        step += 1
        if step == 100:
            Path("ready").write_text(run.id)
        time.sleep(0.002 if sys.argv[1] == "log" else 5)
"""
IDLE = """
    import sys, time
    from pathlib import Path
    import runway

    run = runway.init(project="killed", capture=False)
    Path("ready").write_text(run.id)
    time.sleep(float(sys.argv[1]))  # logs nothing: only heart-beats say it is alive
"""


def _start(folder: Path, source: str, arg: str, env: dict[str, str]) -> subprocess.Popen[str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.py").write_text(textwrap.dedent(source))
    return subprocess.Popen(
        [sys.executable, "train.py", arg],
        cwd=folder,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _ready(folder: Path, child: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 60
    while not ((folder / "ready").exists() and (folder / "ready").read_text()):
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()
        time.sleep(0.02)
    return (folder / "ready").read_text()


def _wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_a_sigkill_loses_at_most_the_last_flush_interval(
    tmp_path: Path, live_server: LiveServer
) -> None:
    """Every point logged more than RUNWAY_FLUSH_INTERVAL (1 s) before the SIGKILL is stored;
    1 s more is allowed for the request carrying it (a loaded machine)."""
    env = {"RUNWAY_TRACKING_URI": live_server.url}
    child = _start(tmp_path, LOGGING, "log", env)
    run_id = _ready(tmp_path, child)
    time.sleep(2.5)
    killed_at = time.time()
    child.kill()
    child.wait(timeout=30)
    raw = (tmp_path / "logged.bin").read_bytes()
    logged = [struct.unpack_from("<qd", raw, i) for i in range(0, len(raw) - len(raw) % 16, 16)]
    with runway.Client(live_server.url) as client:
        stored = set(client.get_metric_history(run_id, "x").steps)
    missing = [(step, at) for step, at in logged if step not in stored]
    lost_window = killed_at - min((at for _, at in missing), default=killed_at)
    print(f"\nSIGKILL: {len(missing)} of {len(logged)} points lost, the last {lost_window:.2f}s")
    old_missing = [step for step, at in missing if at < killed_at - (1.0 + 1.0)]
    assert old_missing == [], f"{len(old_missing)} points older than the bound were lost"


def test_a_run_whose_process_died_becomes_crashed_and_a_live_one_does_not(
    tmp_path: Path, live_server_factory: Callable[..., LiveServer]
) -> None:
    server = live_server_factory(env={"RUNWAY_RUN_HEARTBEAT_TIMEOUT": "2"})
    env = {"RUNWAY_TRACKING_URI": server.url, "RUNWAY_HEARTBEAT_INTERVAL": "0.5"}
    dying = _start(tmp_path / "dying", LOGGING, "log", env)
    live = _start(tmp_path / "live", IDLE, "8", env)
    try:
        dead_id = _ready(tmp_path / "dying", dying)
        live_id = _ready(tmp_path / "live", live)
        dying.send_signal(signal.SIGKILL)
        dying.wait(timeout=30)
        with runway.Client(server.url) as client:
            status = lambda run_id: client.get_run(run_id).status.value  # noqa: E731
            assert _wait_until(lambda: status(dead_id) == "crashed", timeout=20)
            # Silent for longer than the timeout (it logs nothing) but beating: alive.
            assert status(live_id) == "running"
            assert live.wait(timeout=60) == 0
            assert status(live_id) == "finished"
            found = client.search_runs(project="killed", filter="attributes.status = 'crashed'")
            assert [r.id for r in found] == [dead_id]
        # A late write (the process was only paused): running again, then crashed again.
        with HttpStore(server.url) as store:
            assert store.apply_writes([HeartbeatWrite(run_id=dead_id)])[0].ok
        with runway.Client(server.url) as client:
            assert client.get_run(dead_id).status.value == "running"
    finally:
        for child in (dying, live):
            if child.poll() is None:
                child.kill()
                child.wait()
