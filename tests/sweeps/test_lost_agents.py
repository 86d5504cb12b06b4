"""A lost ``runway agent`` on PostgreSQL: real agents and trial processes against a real
``runway server``. An agent that dies alone leaves its trial to finish and record its own end
(never run again); an agent that dies with its trial has the trial retried by another agent on a
new run, the dead attempt's run kept with its points and status."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from runway_core.schemas import RunStatus
from runway_core.store.http import HttpStore
from tests.conftest import LiveServer

from .conftest import AgentStarter, agent_log, create_sweep, runway_cli, wait_for


def _spec(steps: int, delay: float) -> dict[str, object]:
    # One trial; a step sleeps delay * offset seconds.
    return {
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {
            "steps": {"value": steps},
            "delay": {"value": delay},
            "offset": {"value": 1},
        },
    }


def _running(pid: int) -> bool:
    """Whether process ``pid`` still runs (an exited orphan may linger as a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_trial_whose_agent_alone_died_finishes_once_and_is_never_rerun(
    live_server_factory: Callable[..., LiveServer],
    pg_uri: str,
    env: dict[str, str],
    tmp_path: Path,
    start_agent: AgentStarter,
) -> None:
    server = live_server_factory(backend_uri=pg_uri)
    steps = 16
    sweep_id = create_sweep(tmp_path, _spec(steps, 0.25), server.url, env)
    store = HttpStore(server.url)
    out = Path(env["TRIAL_OUT"])
    first = start_agent(sweep_id, server.url, env)
    [pid_file] = wait_for(lambda: list(out.glob("*.pid")), 90, "the trial to start")
    run_id, pid = pid_file.stem, int(pid_file.read_text())
    wait_for(lambda: "loss" in store.get_run(run_id).metrics, 60, "the trial's first points")
    os.kill(first.pid, signal.SIGKILL)  # the agent only: its trial process runs on
    first.wait()
    assert _running(pid), "the trial ended before its agent was killed"
    wait_for(lambda: not _running(pid), 60, "the orphaned trial process to end")
    assert (out / f"{run_id}.json").exists()  # it ran to its last step and exited 0
    time.sleep(1.2)  # its last sign of life is now older than the next agent's timeout
    second = start_agent(sweep_id, server.url, env, "--stale-after", "1")
    assert second.wait(90) == 0, agent_log(tmp_path, 1)
    log = agent_log(tmp_path, 1)
    assert "ran 0 trial(s)" in log and "re-queued" not in log, log
    [trial] = store.list_trials(sweep_id)
    assert (trial.run_id, trial.status, trial.attempts) == (run_id, RunStatus.finished, 1)
    assert trial.previous_runs == []
    history = store.get_metric_history(run_id, "loss")
    assert history.steps == list(range(steps))  # each step once
    assert store.get_sweep(sweep_id).counts == {"finished": 1}


def test_a_trial_killed_with_its_agent_is_retried_clean_on_a_new_run(
    live_server_factory: Callable[..., LiveServer],
    pg_uri: str,
    env: dict[str, str],
    tmp_path: Path,
    start_agent: AgentStarter,
) -> None:
    server = live_server_factory(backend_uri=pg_uri)
    steps = 6
    sweep_id = create_sweep(tmp_path, _spec(steps, 0), server.url, env)
    store = HttpStore(server.url)
    out = Path(env["TRIAL_OUT"])
    first = start_agent(sweep_id, server.url, env, extra_env={"TRIAL_HANG_AFTER": "3"})
    [hang] = wait_for(lambda: list(out.glob("*.hang")), 90, "the first attempt to log 3 steps")
    dead_id = hang.stem
    os.killpg(first.pid, signal.SIGKILL)  # the agent and its trial die, as with a lost machine
    first.wait()
    second = start_agent(
        sweep_id, server.url, env, extra_env={"RUNWAY_SWEEP_HEARTBEAT_TIMEOUT": "1"}
    )
    assert second.wait(120) == 0, agent_log(tmp_path, 1)
    assert "re-queued 1 trial" in agent_log(tmp_path, 1)
    [trial] = store.list_trials(sweep_id)
    assert trial.status == RunStatus.finished and trial.run_id != dead_id
    assert (trial.attempts, trial.previous_runs) == (2, [dead_id])
    # The retry started clean: each step once, none of the dead attempt's points.
    assert store.get_metric_history(trial.run_id, "loss").steps == list(range(steps))
    assert (out / f"{trial.run_id}.json").exists()
    # The dead attempt stays visible: its own points, its status, linked to the retry.
    dead = store.get_run(dead_id)
    assert dead.status == RunStatus.killed and dead.sweep_id == sweep_id
    assert store.get_metric_history(dead_id, "loss").steps == [0, 1, 2]
    assert dead.tags == {"sweep.attempt": "1", "sweep.retried_as": trial.run_id}
    assert store.get_run(trial.run_id).tags == {"sweep.attempt": "2"}
    sweep = store.get_sweep(sweep_id)  # the trial counts once, its current attempt is best
    assert (sweep.state, sweep.counts) == ("finished", {"finished": 1})
    assert sweep.best is not None and sweep.best.run_id == trial.run_id
    wide = {**env, "COLUMNS": "400"}  # so that rich does not wrap the run ids
    shown = runway_cli("sweep", "show", sweep_id, "--tracking-uri", server.url, env=wide)
    assert f"attempt 2; earlier attempts: {dead_id}" in shown.stdout, shown.stdout
