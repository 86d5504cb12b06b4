"""Ctrl-C: the terminal sends SIGINT to the whole foreground process group. Under ``runway run``
both the wrapper and the script get it; every point logged before the interrupt must be stored,
the run must end ``killed``, and no traceback may come from Runway's own code."""

from __future__ import annotations

import os
import random
import signal
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import runway
from tests.conftest import LiveServer, start_server
from tests.scripts.interrupt_harness import (
    KEYS,
    SlowProxy,
    Trial,
    cpu_load,
    interrupt_once,
    sync,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real ``runway server`` for the module's tests (each uses its own runs)."""
    started = start_server(tmp_path_factory.mktemp("server"))
    yield started
    started.stop()


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


def test_a_second_ctrl_c_during_the_final_upload_loses_nothing(
    tmp_path: Path, server: LiveServer, spool_dir: Path
) -> None:
    """The user presses Ctrl-C twice: the second lands while the last points are uploaded and
    makes the script spool the rest at once; ``runway sync`` delivers it."""
    (tmp_path / "train.py").write_text(textwrap.dedent(MANY_POINTS))
    child = subprocess.Popen(
        [sys.executable, "train.py"],
        cwd=tmp_path,
        env={**os.environ, "RUNWAY_TRACKING_URI": server.url},
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
    sync(Trial(tmp_path, wrapped=False, sigints=2, spooled=True), server.url)
    with runway.Client(server.url) as client:
        assert client.get_run(run_id).status.value == "killed"
        for k in range(5):
            assert client.get_metric_history(run_id, f"k{k}").total_points == 200_000


# -- repeated, under CPU load, against a slowed server -------------------------------------------

TRIALS = 20  # of each kind: one Ctrl-C, two Ctrl-Cs
PARALLEL = 8


def _check(trial: Trial, client: runway.Client) -> str | None:
    """What went wrong with one interrupted trial (after ``runway sync``), or ``None``."""
    where = f"{trial.folder.name} (wrapped={trial.wrapped}, sigints={trial.sigints})"
    if trial.returncode not in (130, -signal.SIGINT):
        return f"{where}: exit code {trial.returncode}\n{trial.stderr}"
    if "Error in sys.excepthook" in trial.stderr or "Exception ignored" in trial.stderr:
        return f"{where}: {trial.stderr}"
    if _runway_frames(trial.stderr):
        return f"{where}: traceback into runway\n{trial.stderr}"
    if trial.spooled and "runway sync" not in trial.stderr:
        return f"{where}: spooled without saying so\n{trial.stderr}"
    if trial.stderr.count("wait in") > (2 if trial.wrapped else 1):  # one line a process
        return f"{where}: said more than once what waits in the spool\n{trial.stderr}"
    run = client.get_run(trial.run_id)
    if run.status.value != "killed":
        return f"{where}: status {run.status.value}\n{trial.stderr}"
    for key in KEYS:
        steps = client.get_metric_history(trial.run_id, key).steps
        # log() may have been interrupted after storing its point, before the count was written
        if steps != list(range(len(steps))) or len(steps) not in (trial.logged, trial.logged + 1):
            return f"{where}: {key}: {len(steps)} points stored of {trial.logged} logged"
    return None


@pytest.mark.parametrize("sigints", [1, 2], ids=["one-ctrl-c", "two-ctrl-c"])
def test_ctrl_c_at_random_moments_under_load_against_a_slow_server(
    tmp_path: Path, server: LiveServer, sigints: int
) -> None:
    """Twenty scripts (plain and under ``runway run``) Ctrl-C'd at random moments, during the
    final upload too, with two busy processes competing for the CPU and a server that takes
    its writes slowly (a proxy delays every chunk; half the trials so slowly that the upload
    outlasts RUNWAY_EXIT_TIMEOUT=2 and spools): each exits in bounded time, ends ``killed``,
    and after ``runway sync`` every point logged before the interrupt is stored."""
    rng = random.Random(sigints)
    proxies = [SlowProxy(_port(server.url), 0.02), SlowProxy(_port(server.url), 0.5)]
    trials = [Trial(tmp_path / f"t{i}", wrapped=i % 2 == 1, sigints=sigints) for i in range(TRIALS)]
    seeds = [rng.random() for _ in trials]

    def attempt(i: int) -> Trial:
        trial = interrupt_once(trials[i], proxies[(i // 2) % 2].url, random.Random(seeds[i]))
        sync(trial, server.url)
        return trial

    try:
        with cpu_load(2), ThreadPoolExecutor(PARALLEL) as pool:
            done = list(pool.map(attempt, range(TRIALS)))
    finally:
        for proxy in proxies:
            proxy.close()
    with runway.Client(server.url) as client:
        failures = [f for f in (_check(t, client) for t in done) if f is not None]
    times = sorted(t.exit_seconds for t in done)
    seconds = sorted(t.after_second for t in done if t.after_second is not None)
    print(
        f"\nexit after {sigints} Ctrl-C: median {statistics.median(times):.2f}s, "
        f"max {times[-1]:.2f}s from the first"
        + (
            f", median {statistics.median(seconds):.2f}s max {seconds[-1]:.2f}s from the second"
            if seconds
            else ""
        )
        + f"; spooled {sum(t.spooled for t in done)}/{len(done)}"
    )
    assert failures == [], "\n\n".join(failures)
    # Liveness, generous: the bound (2 s here, twice under runway run) plus spooling on a
    # loaded machine. Without it, the slowest uploads here take 15 s and more.
    assert times[-1] < 12, times
    assert all(s < 8 for s in seconds), seconds  # the second Ctrl-C spools at once


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])
