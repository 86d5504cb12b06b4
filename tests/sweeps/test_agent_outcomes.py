"""How ``runway agent`` records a trial's end: by exit code, and ``killed`` only when the trial
stopped because it was asked to (a flag raised as it finished its last step leaves it finished;
a command that ignores a stop request is ended after the grace period)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from runway_core.schemas import ExperimentCreate, ProjectCreate, RunStatus
from runway_core.schemas.sweep import SweepCreate
from runway_core.store.sql import SqlStore
from runway_core.sweeps.agent import Agent, AgentTiming, param_args, param_env
from runway_core.tracking.context import run_env


@pytest.fixture
def store(sqlite_uri: str) -> Iterator[SqlStore]:
    store = SqlStore(sqlite_uri)
    yield store
    store.close()


def _agent(store: SqlStore, uri: str, command: list[str], trials: int) -> tuple[Agent, str]:
    exp = store.create_experiment(
        store.create_project(ProjectCreate(name="p")).id, ExperimentCreate(name="e")
    )
    spec = {
        "method": "grid",
        "metric": {"name": "loss", "goal": "min"},
        "parameters": {"i": {"values": list(range(trials))}},
    }
    sweep = store.create_sweep(SweepCreate(experiment_id=exp.id, spec=spec))
    timing = AgentTiming(heartbeat=0.1, stale_after=60, poll=0.05, stop_grace=0.3)
    return Agent(store, uri, sweep.id, command, timing=timing), sweep.id


def test_exit_codes_and_stop_requests(store: SqlStore, sqlite_uri: str, tmp_path: Path) -> None:
    script = tmp_path / "trial.py"
    # Trial 0 exits 0, trial 1 exits 3, trial 2 hangs (and is asked to stop).
    script.write_text("import sys, time\ni = int(sys.argv[2])\ntime.sleep(60 if i == 2 else 0)\n"
                      "sys.exit(3 if i == 1 else 0)\n")  # fmt: skip
    agent, sweep_id = _agent(store, sqlite_uri, [sys.executable, str(script)], 3)
    names = ("p", "e")
    first = store.claim_next_trial(sweep_id, agent.worker)
    assert first is not None
    store.stop_trial(first.run_id, "flagged as it ended")  # seen by no one before it ends
    assert agent.run_trial(first, *names).status == RunStatus.finished
    second = store.claim_next_trial(sweep_id, agent.worker)
    assert second is not None and agent.run_trial(second, *names).status == RunStatus.failed
    third = store.claim_next_trial(sweep_id, agent.worker)
    assert third is not None
    store.stop_trial(third.run_id, "enough")
    ended = agent.run_trial(third, *names)
    assert (ended.status, ended.stop_reason) == (RunStatus.killed, "enough")
    assert ended.exit_code != 0  # ended by the agent after the grace, not by itself
    statuses = [t.status for t in store.list_trials(sweep_id)]
    assert statuses == [RunStatus.finished, RunStatus.failed, RunStatus.killed]


def test_a_trial_stopped_by_ctrl_c_is_killed(
    store: SqlStore, sqlite_uri: str, tmp_path: Path
) -> None:
    """Exit code 130 (128 + SIGINT: a wrapper or shell reporting a Ctrl-C) or death by SIGINT."""
    script = tmp_path / "trial.py"
    script.write_text("import os, signal, sys\nif sys.argv[2] == '0':\n    sys.exit(130)\n"
                      "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
                      "os.kill(os.getpid(), signal.SIGINT)\n")  # fmt: skip
    agent, sweep_id = _agent(store, sqlite_uri, [sys.executable, str(script)], 2)
    for _ in range(2):
        trial = store.claim_next_trial(sweep_id, agent.worker)
        assert trial is not None and agent.run_trial(trial, "p", "e").status == RunStatus.killed


def test_count_limits_the_trials_an_agent_runs(store: SqlStore, sqlite_uri: str) -> None:
    true = shutil.which("true")
    assert true is not None
    agent, sweep_id = _agent(store, sqlite_uri, [true], 3)
    agent.count = 2
    assert len(agent.run()) == 2
    assert store.get_sweep(sweep_id).counts == {"finished": 2, "queued": 1}


def test_params_as_arguments_and_environment() -> None:
    params = {"lr": 0.001, "opt": "adam", "bn": True, "layers": [64, 32], "model.depth": 3}
    assert param_args(params) == [
        "--lr", "0.001", "--opt", "adam", "--bn", "true", "--layers", "[64, 32]",
        "--model.depth", "3",
    ]  # fmt: skip
    env = param_env(params)
    assert (env["RUNWAY_PARAM_LR"], env["RUNWAY_PARAM_OPT"], env["RUNWAY_PARAM_MODEL_DEPTH"]) == (
        "0.001", "adam", "3",
    )  # fmt: skip
    assert env["RUNWAY_SWEEP_PARAMS"].startswith('{"lr": 0.001')


CHILD = """
import os, subprocess, sys
import runway
from runway_core.store.sql import SqlStore

run = runway.init()
run.log({"loss": 1.0}, step=0)
print("handed on:", os.environ.get("RUNWAY_RUN_RECORDS_END"))
# A worker it starts attaches to the same run but does not end it.
subprocess.run([sys.executable, "-c", "import runway; runway.init().log({'loss': 2.0}, step=1)"],
               check=True)
print("after its worker:", SqlStore(os.environ["RUNWAY_TRACKING_URI"]).get_run(run.id).status.value)
"""


@pytest.mark.parametrize("records_end", [True, False])
def test_a_trial_process_records_its_own_end_and_its_workers_do_not(
    store: SqlStore, sqlite_uri: str, tmp_path: Path, records_end: bool
) -> None:
    """What lets a trial whose agent died end (and never run again): the process the agent
    hands the run to ends it at exit. Without the hand-over (``runway run``), it does not."""
    agent, sweep_id = _agent(store, sqlite_uri, ["true"], 1)
    trial = store.claim_next_trial(sweep_id, agent.worker)
    assert trial is not None
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNWAY_")}
    env |= run_env(trial.run_id, sqlite_uri, "p", "e", records_end=records_end)
    env |= {"RUNWAY_SPOOL_DIR": str(tmp_path / "spool"), "RUNWAY_SILENT": "true"}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "handed on: None" in done.stdout  # taken by the first process to attach
    assert "after its worker: running" in done.stdout
    ended = store.get_run(trial.run_id)
    assert ended.status == (RunStatus.finished if records_end else RunStatus.running)
    assert store.get_metric_history(trial.run_id, "loss").steps == [0, 1]


def test_an_agent_whose_attempt_was_given_up_ends_it_and_leaves_it_killed(
    store: SqlStore, sqlite_uri: str, tmp_path: Path
) -> None:
    """An agent cut off from the store (its beats stopped arriving) learns on its next beat
    that its attempt was given up: it ends the command and records nothing over the store's
    ``killed``; the trial waits on a new run."""
    agent, sweep_id = _agent(
        store, sqlite_uri, [sys.executable, "-c", "import time; time.sleep(60)"], 1
    )
    trial = store.claim_next_trial(sweep_id, agent.worker)
    assert trial is not None
    time.sleep(0.05)
    assert store.requeue_stale_trials(sweep_id, timeout=0.01) == [trial.run_id]
    outcome = agent.run_trial(trial, "p", "e")  # its first beat is refused
    assert (outcome.status, outcome.exit_code != 0) == (RunStatus.killed, True)
    assert store.get_run(trial.run_id).status == RunStatus.killed
    [queued] = store.list_trials(sweep_id)
    assert queued.status == RunStatus.queued and queued.previous_runs == [trial.run_id]
