"""Sweeps on Prefect: runs launched through a deployment served by a ``Runner`` in another
process, where Runway's hooks run in each flow run's own subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import runway
from runway.prefect.launcher import PrefectLauncher, launch_runs
from runway_core.errors import InvalidInput
from tests.conftest import LiveServer

FLOWS = Path(__file__).with_name("deployment_flows.py")


def test_launched_runs_execute_in_a_runner_and_finish_their_queued_runway_runs(
    runway_env: LiveServer, project: str, prefect_api: str
) -> None:
    server = subprocess.Popen(
        [sys.executable, str(FLOWS), "serve", "2"],
        env={**os.environ, "PREFECT_API_URL": prefect_api},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stdin is not None
        line = server.stdout.readline()
        assert line.strip() == "ready", (line, server.stderr.read() if server.stderr else "")
        launched = launch_runs(
            "trial/sweep", [{"lr": 0.5}, {"lr": 2.0, "layers": 3}], experiment="sweep-1"
        )
        with runway.Client(runway_env.url) as client:
            queued = [client.get_run(item.run_id) for item in launched]
        assert [r.status for r in queued] == ["queued", "queued"]
        server.stdin.write("go\n")
        server.stdin.flush()
        _, err = server.communicate(timeout=180)
        assert server.returncode == 0, err
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

    with runway.Client(runway_env.url) as client:
        runs = [client.get_run(item.run_id) for item in launched]
        every = client.search_runs(project=project, limit=None)
    for item, run, loss in zip(launched, runs, [1.25, 7.0], strict=True):
        assert run.status == "finished"
        assert run.source == "prefect" and run.source_ids == {"deployment": "trial/sweep"}
        assert run.tags["prefect.flow_run_id"] == item.flow_run_id
        assert run.tags["prefect.deployment"] == "trial/sweep"
        assert run.tags["prefect.flow_run_url"].endswith(item.flow_run_id)
        assert run.start_time is not None and run.end_time is not None
        assert run.metrics["loss"].last == loss
    assert runs[1].params == {"lr": 2.0, "layers": 3}
    # No second run keyed by the flow run: two trials and one task child each.
    assert len(every) == 4
    assert sorted(r.parent_run_id or "" for r in every if r.parent_run_id) == sorted(
        r.id for r in runs
    )


def test_the_launcher_refuses_a_bad_deployment_name() -> None:
    with pytest.raises(InvalidInput, match="flow-name/deployment-name"):
        PrefectLauncher("just-a-name")
    with pytest.raises(InvalidInput, match="timeout is set by the launcher"):
        PrefectLauncher("f/d", timeout=5)
