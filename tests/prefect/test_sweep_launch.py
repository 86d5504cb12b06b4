"""A sweep launched on Prefect, end to end: ``runway sweep create`` registers a grid of 3 trials
against the session's real ``runway server``; ``runway sweep launch`` hands them to the spec's
Prefect launcher (flow runs of a deployment served by a ``Runner`` in another process); the
tracked flow's hooks turn each queued trial into its flow run's run, and the sweep ends with
its best trial."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import yaml

import runway
from runway_core.schemas import RunStatus
from tests.conftest import LiveServer

FLOWS = Path(__file__).with_name("deployment_flows.py")
DEPLOYMENT = "trial/sweep"  # deployment_flows.serve: flow "trial", deployment "sweep"
LRS = [2.0, -0.5, 1.0]
LAYERS = 3
LOSSES = [lr * lr + LAYERS for lr in LRS]  # what the flow logs: square(lr) + layers
SPEC = {
    "name": "prefect-grid",
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"lr": {"values": LRS}, "layers": {"value": LAYERS}},
    "launcher": {"type": "prefect", "deployment": DEPLOYMENT},
}


def _runway(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runway.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_sweep_launched_on_prefect_finishes_its_trials_with_the_best_one_found(
    runway_env: LiveServer, project: str, prefect_api: str, tmp_path: Path
) -> None:
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "RUNWAY_TRACKING_URI": runway_env.url}
    # The Runner registers the deployment and waits; meanwhile the sweep is registered.
    runner = subprocess.Popen(
        [sys.executable, str(FLOWS), "serve", "3"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert runner.stdout is not None and runner.stdin is not None
        spec = tmp_path / "spec.yaml"
        spec.write_text(yaml.safe_dump(SPEC))
        created = _runway("sweep", "create", str(spec), "-p", project, "-e", "grid", env=env)
        assert created.returncode == 0, created.stderr
        sweep_id = created.stdout.strip().splitlines()[-1]
        assert uuid.UUID(hex=sweep_id).hex == sweep_id

        line = runner.stdout.readline()
        assert line.strip() == "ready", (line, runner.stderr.read() if runner.stderr else "")
        launched = _runway("sweep", "launch", sweep_id, env=env)
        assert launched.returncode == 0, launched.stderr
        assert "launched 3 trial(s)" in launched.stdout
        with runway.Client(runway_env.url) as client:
            trials = client.list_trials(sweep_id)
        # Claimed and handed over: each trial knows its flow run, none has run yet.
        assert [t.status for t in trials] == [RunStatus.running] * 3
        assert all(t.worker == "launcher:prefect" and t.launched for t in trials)
        flow_run_ids = [str(uuid.UUID(t.launched or "")) for t in trials]
        for trial, flow_run_id in zip(trials, flow_run_ids, strict=True):
            assert f"run {trial.run_id}) → {flow_run_id}" in launched.stdout

        runner.stdin.write("go\n")
        runner.stdin.flush()
        _, err = runner.communicate(timeout=180)
        assert runner.returncode == 0, err
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()

    with runway.Client(runway_env.url) as client:
        sweep = client.get_sweep(sweep_id)
        trials = client.list_trials(sweep_id)
        runs = [client.get_run(t.run_id) for t in trials]
        every = client.search_runs(project=project, limit=None)

    assert sweep.state == "finished" and sweep.counts == {"finished": 3}
    assert [t.number for t in trials] == [0, 1, 2]
    for trial, run, lr, loss in zip(trials, runs, LRS, LOSSES, strict=True):
        assert trial.status == RunStatus.finished and run.status == "finished"
        assert trial.params == run.params == {"lr": lr, "layers": LAYERS}
        assert trial.value == loss and run.metrics["loss"].last == loss
        # The flow run is this trial's run: linked both ways, in the sweep's project.
        assert run.tags["prefect.flow_run_id"] == trial.launched
        assert run.tags["prefect.deployment"] == DEPLOYMENT
        assert run.tags["prefect.flow_run_url"].endswith(str(trial.launched))
        assert run.project_id == sweep.project_id and run.experiment_id == sweep.experiment_id
        # A trial keeps the source the sweep gave it; Prefect's ids are its tags (above).
        assert run.source == "sweep"
        assert run.source_ids == {"sweep_id": sweep_id, "trial": trial.number}
        assert run.start_time is not None and run.end_time is not None

    best = LOSSES.index(min(LOSSES))
    assert sweep.best is not None
    assert (sweep.best.number, sweep.best.run_id) == (best, trials[best].run_id)
    assert sweep.best.value == min(LOSSES) and sweep.best.params["lr"] == LRS[best]

    # On Prefect's side: each flow run completed with its trial's parameters and tag.
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as prefect:
        flow_runs = [prefect.read_flow_run(uuid.UUID(str(t.launched))) for t in trials]
    for trial, flow_run in zip(trials, flow_runs, strict=True):
        assert flow_run.state is not None and flow_run.state.is_completed()
        assert f"runway-run:{trial.run_id}" in flow_run.tags
        assert flow_run.parameters == trial.params

    # No extra run keyed by a flow run: the 3 trials and one task child run of each.
    assert len(every) == 6
    children = sorted(r.parent_run_id or "" for r in every if r.parent_run_id)
    assert children == sorted(t.run_id for t in trials)
