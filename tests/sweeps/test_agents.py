"""``runway agent`` end to end: real agent processes run a real trial script against a real
``runway server``; the script's plain ``runway.init()`` attaches to its trial's run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runway_core.schemas import RunStatus
from runway_core.store.http import HttpStore
from tests.conftest import LiveServer

from .conftest import AgentStarter, agent_log, create_sweep


def _results(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    out = Path(env["TRIAL_OUT"])
    return {p.stem: json.loads(p.read_text()) for p in out.glob("*.json")}


def test_a_grid_run_by_two_agents_in_parallel_ends_with_exactly_six_finished(
    live_server: LiveServer, env: dict[str, str], tmp_path: Path, start_agent: AgentStarter
) -> None:
    spec = {
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {"x": {"values": [1, 3]}, "y": {"values": [-1, 0, 2.5]}},
    }
    sweep_id = create_sweep(tmp_path, spec, live_server.url, env)
    agents = [start_agent(sweep_id, live_server.url, env) for _ in range(2)]
    for agent in agents:
        assert agent.wait(150) == 0, agent_log(tmp_path, agents.index(agent))
    store = HttpStore(live_server.url)
    sweep = store.get_sweep(sweep_id)
    assert (sweep.state, sweep.counts) == ("finished", {"finished": 6})
    trials = store.list_trials(sweep_id)
    assert {(t.params["x"], t.params["y"]) for t in trials} == {
        (x, y) for x in (1, 3) for y in (-1, 0, 2.5)
    }
    assert len({t.worker for t in trials}) == 2  # both agents took trials
    assert all(t.attempts == 1 for t in trials)
    results = _results(env)
    assert set(results) == {t.run_id for t in trials}  # each trial ran once, on its own run
    for t in trials:
        got = results[t.run_id]
        assert got["params"] == t.params  # as --key value arguments
        assert got["env"] == {"RUNWAY_PARAM_X": json.dumps(t.params["x"]),
                              "RUNWAY_PARAM_Y": json.dumps(t.params["y"])}  # fmt: skip
        assert t.value == (t.params["x"] - 3) ** 2 + (t.params["y"] + 1) ** 2 + 1.0
    assert sweep.best is not None and sweep.best.params == {"x": 3, "y": -1}
    assert store.get_run(sweep.best.run_id).metrics["loss"].last == 1.0


def test_early_stopping_ends_a_bad_trial_before_its_last_step(
    live_server: LiveServer, env: dict[str, str], tmp_path: Path, start_agent: AgentStarter
) -> None:
    steps = 60
    spec = {
        "method": "grid",
        "metric": {"name": "loss", "goal": "minimize"},
        # Three good trials finish at once (a step sleeps delay * offset); the fourth is bad
        # and slow: 0.1 s a step.
        "parameters": {
            "offset": {"values": [0, 0.1, 0.2, 10]},
            "steps": {"value": steps},
            "delay": {"value": 0.01},
        },
        "early_stop": {"type": "median", "min_trials": 3, "min_steps": 1},
    }
    sweep_id = create_sweep(tmp_path, spec, live_server.url, env)
    agent = start_agent(sweep_id, live_server.url, env, "--stale-after", "60")
    assert agent.wait(150) == 0, agent_log(tmp_path, 0)
    store = HttpStore(live_server.url)
    trials = store.list_trials(sweep_id)
    assert [t.status for t in trials] == [RunStatus.finished] * 3 + [RunStatus.killed]
    bad = trials[3]
    assert bad.stop_reason is not None and bad.stop_reason.startswith("median stopping")
    run = store.get_run(bad.run_id)
    assert run.tags["sweep.stop_reason"] == bad.stop_reason  # the reason is recorded
    assert run.tags["sweep.stopped_early"] == "true"  # by the SDK, as the script stopped
    result = _results(env)[bad.run_id]
    assert result["stopped"] == bad.stop_reason  # run.should_stop became true in the script
    assert result["last_step"] < steps - 1 and run.metrics["loss"].last_step < steps - 1
    assert all(_results(env)[t.run_id]["last_step"] == steps - 1 for t in trials[:3])
