"""Sweeps behave the same on every store: registration, claiming, heart-beats, re-queueing,
stopping, pausing, and the stop signal carried back on a trial's metric writes."""

from __future__ import annotations

import time
from typing import Any

import pytest

from runway_core.errors import Conflict, InvalidInput, NotFound
from runway_core.schemas import MetricBatch, MetricSeriesIn, RunStatus, RunUpdate
from runway_core.schemas.sweep import SweepCreate
from runway_core.schemas.writes import MetricsWrite
from runway_core.store import Store

GRID: dict[str, Any] = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "lr": {"values": [0.1, 0.01]}, "depth": {"values": [2, 4, 8]}, "opt": {"value": "sgd"}
    },
    "seed": 3,
}  # fmt: skip


def _grid(store: Store, experiment: Any, **changes: Any) -> Any:
    return store.create_sweep(SweepCreate(experiment_id=experiment.id, spec={**GRID, **changes}))


def _log(store: Store, run_id: str, *values: float) -> list[Any]:
    batch = MetricBatch(metrics={"loss": MetricSeriesIn(values=list(values))})
    return store.apply_writes([MetricsWrite(run_id=run_id, batch=batch)])


def test_create_get_and_list_a_grid_sweep(store: Store, experiment: Any) -> None:
    sweep = _grid(store, experiment, name="lr-depth")
    assert (sweep.name, sweep.method, sweep.metric, sweep.goal) == (
        "lr-depth",
        "grid",
        "loss",
        "min",
    )
    assert (sweep.max_trials, sweep.counts, sweep.state, sweep.seed) == (
        6,
        {"queued": 6},
        "running",
        3,
    )
    assert sweep.project_id == experiment.project_id and sweep.best is None
    assert store.get_sweep(sweep.id) == sweep
    trials = store.list_trials(sweep.id)
    assert [t.number for t in trials] == list(range(6))
    assert [(t.params["lr"], t.params["depth"]) for t in trials[:3]] == [
        (0.1, 2),
        (0.1, 4),
        (0.1, 8),
    ]
    assert all(t.params["opt"] == "sgd" and t.status == RunStatus.queued for t in trials)
    run = store.get_run(trials[0].run_id)
    assert (run.sweep_id, run.source.value, run.status.value) == (sweep.id, "sweep", "queued")
    other = _grid(store, experiment)
    assert [s.id for s in store.list_sweeps(project_id=experiment.project_id)] == [
        other.id,
        sweep.id,
    ]
    assert [s.id for s in store.list_sweeps(experiment_id=experiment.id)] == [other.id, sweep.id]
    assert store.list_sweeps(project_id="0" * 32) == []


def test_a_bad_spec_names_its_key(store: Store, experiment: Any) -> None:
    with pytest.raises(InvalidInput) as err:
        _grid(store, experiment, parameters={"lr": {"distribution": "uniform", "min": 1, "max": 0}})
    assert err.value.field == "spec.parameters.lr" and "min" in err.value.message
    with pytest.raises(InvalidInput) as err:
        _grid(store, experiment, parameters={"lr": {"distribution": "uniform", "min": 0, "max": 1}})
    assert err.value.field == "spec.parameters.lr" and "grid" in err.value.message
    with pytest.raises(InvalidInput) as err:
        _grid(store, experiment, metric={"name": "loss", "goal": "lowest"})
    assert err.value.field == "spec.metric.goal"
    with pytest.raises(InvalidInput) as err:
        _grid(store, experiment, budjet={"max_trials": 3})
    assert err.value.field == "spec.budjet" and "unknown key" in err.value.message
    with pytest.raises(NotFound):
        store.create_sweep(SweepCreate(experiment_id="f" * 32, spec=GRID))
    with pytest.raises(NotFound):
        store.get_sweep("f" * 32)


def test_claims_run_through_the_queue_in_order_then_none(store: Store, experiment: Any) -> None:
    sweep = _grid(store, experiment, budget={"max_trials": 3})
    claimed = [store.claim_next_trial(sweep.id, "w1") for _ in range(3)]
    assert [t.number for t in claimed if t is not None] == [0, 1, 2]
    assert all(
        t is not None and t.status == RunStatus.running and t.worker == "w1" for t in claimed
    )
    assert store.claim_next_trial(sweep.id, "w2") is None
    assert store.get_sweep(sweep.id).counts == {"running": 3}
    assert [t.number for t in store.list_trials(sweep.id, status="running")] == [0, 1, 2]
    assert store.list_trials(sweep.id, status="queued") == []
    with pytest.raises(InvalidInput):
        store.list_trials(sweep.id, status="sleeping")

    narrow = _grid(store, experiment, budget={"max_parallel": 1})
    first = store.claim_next_trial(narrow.id, "w1")
    assert first is not None and store.claim_next_trial(narrow.id, "w2") is None  # 1 at a time
    store.update_run(first.run_id, RunUpdate(status=RunStatus.failed))
    second = store.claim_next_trial(narrow.id, "w2")
    assert second is not None and second.number == 1


def test_best_trial_follows_the_goal_and_the_state_ends_finished(
    store: Store, experiment: Any
) -> None:
    sweep = _grid(store, experiment, budget={"max_trials": 3})
    for loss in (0.5, 0.2, 0.9):
        trial = store.claim_next_trial(sweep.id, "w")
        assert trial is not None
        _log(store, trial.run_id, 1.0, loss)
        store.update_run(trial.run_id, RunUpdate(status=RunStatus.finished))
    done = store.get_sweep(sweep.id)
    assert done.best is not None and (done.best.number, done.best.value) == (1, 0.2)
    assert (done.state, done.counts) == ("finished", {"finished": 3})
    assert [t.value for t in store.list_trials(sweep.id)] == [0.5, 0.2, 0.9]


def test_pause_resume_and_stop(store: Store, experiment: Any) -> None:
    sweep = _grid(store, experiment)
    assert store.set_sweep_status(sweep.id, "paused").state == "paused"
    assert store.claim_next_trial(sweep.id, "w") is None
    assert store.set_sweep_status(sweep.id, "running").state == "running"
    first = store.claim_next_trial(sweep.id, "w")
    assert first is not None
    stopped = store.set_sweep_status(sweep.id, "stopped")
    assert stopped.state == "stopped" and stopped.counts == {"running": 1, "killed": 5}
    assert store.claim_next_trial(sweep.id, "w") is None
    with pytest.raises(Conflict):
        store.set_sweep_status(sweep.id, "running")  # stopped is for good
    with pytest.raises(InvalidInput):
        store.set_sweep_status(sweep.id, "asleep")  # type: ignore[arg-type]


def test_heartbeats_keep_a_trial_and_silence_retries_it_on_a_new_run(
    store: Store, experiment: Any
) -> None:
    sweep = _grid(store, experiment, budget={"max_trials": 2})
    a = store.claim_next_trial(sweep.id, "a")
    b = store.claim_next_trial(sweep.id, "b")
    assert a is not None and b is not None
    time.sleep(0.3)
    beat = store.heartbeat_trial(b.run_id, "b")
    assert beat.heartbeat_at is not None and a.heartbeat_at is not None
    assert beat.heartbeat_at > a.heartbeat_at and beat.stop_reason is None
    assert store.requeue_stale_trials(sweep.id, timeout=0.2) == [a.run_id]
    dead = store.get_run(a.run_id)  # the given-up attempt stays, ended at its last beat
    assert (dead.status, dead.end_time) == (RunStatus.killed, a.heartbeat_at)
    with pytest.raises(Conflict):
        store.heartbeat_trial(a.run_id, "a")  # no longer a trial's current attempt
    [queued] = store.list_trials(sweep.id, status="queued")
    assert queued.number == a.number and queued.run_id != a.run_id
    assert queued.params == a.params and queued.previous_runs == [a.run_id]
    assert dead.tags == {"sweep.attempt": "1", "sweep.retried_as": queued.run_id}
    again = store.claim_next_trial(sweep.id, "c")
    assert again is not None and (again.run_id, again.worker, again.attempts) == (
        queued.run_id,
        "c",
        2,
    )
    fresh = store.get_run(again.run_id)
    assert (fresh.name, fresh.sweep_id, fresh.tags["sweep.attempt"]) == (
        dead.name,
        sweep.id,
        "2",
    )
    with pytest.raises(NotFound):
        store.heartbeat_trial("f" * 32, "c")


def test_a_retry_starts_clean_and_the_trial_counts_once(store: Store, experiment: Any) -> None:
    sweep = _grid(store, experiment, budget={"max_trials": 1})
    first = store.claim_next_trial(sweep.id, "a")
    assert first is not None
    _log(store, first.run_id, 9.0, 8.0)  # steps 0 and 1, then the worker dies
    time.sleep(0.05)
    assert store.requeue_stale_trials(sweep.id, timeout=0.01) == [first.run_id]
    second = store.claim_next_trial(sweep.id, "b")
    assert second is not None and second.value is None  # nothing of the dead attempt's
    _log(store, second.run_id, 3.0, 2.0, 1.0)
    store.update_run(second.run_id, RunUpdate(status=RunStatus.finished))
    assert store.get_metric_history(second.run_id, "loss").steps == [0, 1, 2]
    assert store.get_metric_history(first.run_id, "loss").values == [9.0, 8.0]
    done = store.get_sweep(sweep.id)
    assert (done.state, done.counts) == ("finished", {"finished": 1})
    assert done.best is not None and (done.best.run_id, done.best.value) == (second.run_id, 1.0)
    [trial] = store.list_trials(sweep.id)
    assert (trial.run_id, trial.attempts, trial.previous_runs) == (
        second.run_id,
        2,
        [first.run_id],
    )
    # The dead attempt's process, if it still runs, writes to its own run and is told to stop.
    stop = _log(store, first.run_id, 7.0)[0].stop
    assert stop is not None and stop.endswith(f"runs again as run {second.run_id}")
    assert _log(store, second.run_id, 0.5)[0].stop is None


def test_a_trial_that_ended_or_was_asked_to_stop_is_never_run_again(
    store: Store, experiment: Any
) -> None:
    sweep = _grid(store, experiment, budget={"max_trials": 2})
    ended = store.claim_next_trial(sweep.id, "a")
    asked = store.claim_next_trial(sweep.id, "a")
    assert ended is not None and asked is not None
    # The trial's own process recorded its end (its agent is gone): not re-queued.
    store.update_run(ended.run_id, RunUpdate(status=RunStatus.finished))
    store.stop_trial(asked.run_id, "diverged")
    time.sleep(0.05)
    assert store.requeue_stale_trials(sweep.id, timeout=0.01) == [asked.run_id]
    trials = store.list_trials(sweep.id)
    assert [(t.run_id, t.status, t.previous_runs) for t in trials] == [
        (ended.run_id, RunStatus.finished, []),
        (asked.run_id, RunStatus.killed, []),  # it was to stop: ended, not retried
    ]
    assert store.claim_next_trial(sweep.id, "b") is None
    assert store.get_sweep(sweep.id).state == "finished"


def test_a_stopped_trial_learns_it_on_its_next_metric_write(store: Store, experiment: Any) -> None:
    sweep = _grid(store, experiment, budget={"max_trials": 2})
    trial = store.claim_next_trial(sweep.id, "w")
    assert trial is not None
    assert _log(store, trial.run_id, 0.5)[0].stop is None
    stopped = store.stop_trial(trial.run_id, "diverged")
    assert stopped.stop_reason == "diverged"
    assert _log(store, trial.run_id, 0.7)[0].stop == "diverged"
    assert store.get_run(trial.run_id).tags["sweep.stop_reason"] == "diverged"
    assert store.heartbeat_trial(trial.run_id, "w").stop_reason == "diverged"
    queued = store.list_trials(sweep.id, status="queued")[0]
    assert store.stop_trial(queued.run_id, "not needed").status == RunStatus.killed


def test_a_launched_trial_records_where(store: Store, experiment: Any) -> None:
    sweep = _grid(store, experiment, budget={"max_trials": 1})
    trial = store.claim_next_trial(sweep.id, "launcher:test")
    assert trial is not None
    marked = store.mark_trial_launched(trial.run_id, "https://prefect.example/runs/1")
    assert marked.launched == "https://prefect.example/runs/1"
    assert store.list_trials(sweep.id)[0].launched == marked.launched
    # A trial its launcher's orchestrator runs is not re-queued for a missing heart-beat.
    time.sleep(0.05)
    assert store.requeue_stale_trials(sweep.id, timeout=0.01) == []


def test_a_runs_sweep_is_one_of_its_own_project(store: Store, experiment: Any) -> None:
    """A sweep of another project is refused as an unknown id is: same status, same words."""
    from runway_core.schemas import ExperimentCreate, ProjectCreate, RunCreate, RunSearch

    sweep = _grid(store, experiment)
    other = store.create_project(ProjectCreate(name="other"))
    elsewhere = store.create_experiment(other.id, ExperimentCreate(name="e"))
    messages = []
    for sweep_id in (sweep.id, "f" * 32):
        with pytest.raises(NotFound) as refused:
            store.create_run(RunCreate(experiment_id=elsewhere.id, sweep_id=sweep_id))
        messages.append(str(refused.value).replace(sweep_id, "ID"))
        assert refused.value.field == "sweep_id"
    assert messages[0] == messages[1]
    assert store.search_runs(RunSearch(project_id=other.id)).runs == []  # nothing stored
    ok = store.create_run(RunCreate(experiment_id=experiment.id, sweep_id=sweep.id))
    assert ok.sweep_id == sweep.id
