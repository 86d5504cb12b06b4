"""The server dies in the middle of a run and comes back; after ``runway sync`` every point is
stored exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import runway
from runway_core.tracking.spool import Spool
from tests.conftest import free_port

STEPS = 4000

SCRIPT = """
    import sys, time
    from pathlib import Path
    import runway

    marker = Path(sys.argv[1])
    run = runway.init(project="crash", experiment="restart", params={{"lr": 0.1}}, capture=False)
    print(run.id, flush=True)
    for step in range({steps}):
        run.log({{"a": float(step), "b": step * 0.5}}, step=step)
        if step == 500:
            run.flush()
            marker.write_text("half")  # the test kills the server now
        if step % 10 == 0:
            time.sleep(0.01)
    run.finish()
"""


@pytest.mark.e2e
def test_kill_server_mid_run_restart_and_sync_loses_and_duplicates_nothing(
    tmp_path: Path, live_server_factory, spool_dir: Path
) -> None:
    port = free_port()
    backend = f"sqlite:///{tmp_path / 'server.db'}"
    server = live_server_factory(port=port, backend_uri=backend)
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(SCRIPT.format(steps=STEPS)))
    marker = tmp_path / "half"
    child = subprocess.Popen(
        [sys.executable, str(script), str(marker)],
        cwd=tmp_path,
        env={**os.environ, "RUNWAY_TRACKING_URI": server.url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the script never reached step 500"
        time.sleep(0.02)
    server.kill()  # SIGKILL, mid-run: requests in flight are cut
    time.sleep(1.5)
    live_server_factory(port=port, backend_uri=backend)  # same database, same port
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err  # the script never crashed because tracking failed
    assert err.count("cannot reach the tracking store") == 1, err  # one warning, not per call
    run_id = out.split()[0]

    done = subprocess.run(
        [sys.executable, "-m", "runway.cli", "sync", "--spool-dir", str(spool_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert Spool(spool_dir).files() == []

    with runway.Client(f"http://127.0.0.1:{port}") as client:
        stored = client.get_run(run_id)
        assert stored.status.value == "finished" and stored.params == {"lr": 0.1}
        for key, scale in (("a", 1.0), ("b", 0.5)):
            series = client.get_metric_history(run_id, key)
            assert series.total_points == STEPS, f"{key}: lost or duplicated points"
            assert series.steps == list(range(STEPS))
            assert series.values == [step * scale for step in range(STEPS)]
