"""Trials no agent watches (a launcher's flow runs) still heart-beat and get early-stopped:
their metric writes count as signs of life, and the answer to one carries the stop request."""

from __future__ import annotations

from typing import Any

import pytest

from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    RunStatus,
    RunUpdate,
)
from runway_core.schemas.sweep import SweepCreate
from runway_core.schemas.writes import MetricsWrite
from runway_core.store.sql import SqlStore, trials
from runway_core.sweeps.launch import launch_trials


class Recorder:
    def launch(self, run_id: str, params: dict[str, Any]) -> str:
        return f"flow-run-for-{run_id}"


def _write(store: SqlStore, run_id: str, values: list[float], first_step: int = 0) -> Any:
    steps = list(range(first_step, first_step + len(values)))
    batch = MetricBatch(metrics={"loss": MetricSeriesIn(steps=steps, values=values)})
    return store.apply_writes([MetricsWrite(run_id=run_id, batch=batch)])[0]


def test_a_launched_trial_is_stopped_through_its_metric_writes(
    sqlite_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trials, "SIGNS_OF_LIFE_MS", 0)  # every write counts (5 s in service)
    store = SqlStore(sqlite_uri)
    try:
        exp = store.create_experiment(
            store.create_project(ProjectCreate(name="p")).id, ExperimentCreate(name="e")
        )
        spec = {
            "method": "grid",
            "metric": {"name": "loss", "goal": "min"},
            "parameters": {"offset": {"values": [0, 0.1, 0.2, 10]}},
            "early_stop": {"type": "median", "min_trials": 3, "min_steps": 1},
        }
        sweep = store.create_sweep(SweepCreate(experiment_id=exp.id, spec=spec))
        launched = launch_trials(store, sweep.id, Recorder())
        good, bad = launched[:3], launched[3]
        for item in good:
            offset = item.trial.params["offset"]
            result = _write(store, item.trial.run_id, [offset + 1 / (s + 1) for s in range(5)])
            assert result.ok and result.stop is None
            store.update_run(item.trial.run_id, RunUpdate(status=RunStatus.finished))
        before = store.list_trials(sweep.id)[3].heartbeat_at
        assert _write(store, bad.trial.run_id, [11.0]).stop is None  # step 0: too early
        stop = _write(store, bad.trial.run_id, [10.5], first_step=1).stop
        assert stop is not None and stop.startswith("median stopping: best loss 10.5 by step 1")
        trial = store.list_trials(sweep.id)[3]
        assert trial.stop_reason == stop and trial.launched == f"flow-run-for-{trial.run_id}"
        assert before is not None and trial.heartbeat_at is not None
        assert trial.heartbeat_at >= before
        assert store.get_run(trial.run_id).tags["sweep.stop_reason"] == stop
    finally:
        store.close()
