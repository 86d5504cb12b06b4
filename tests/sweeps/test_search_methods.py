"""Budgets and methods: a random sweep stops at its budget; ``bayes`` (Optuna's TPE) finds a
better optimum of a shifted quadratic than random search with the same budget and seed."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    RunStatus,
    RunUpdate,
)
from runway_core.schemas.sweep import SweepCreate
from runway_core.store.sql import SqlStore

from .conftest import create_sweep, runway_cli

SPACE = {
    "x": {"distribution": "uniform", "min": -10, "max": 10},
    "y": {"distribution": "uniform", "min": -10, "max": 10},
}


def test_a_random_sweep_with_budget_ten_stops_at_ten(tmp_path: Path, env: dict[str, str]) -> None:
    db = str(tmp_path / "runway.db")  # the embedded store: no server needed
    spec = {
        "method": "random",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": SPACE,
        "budget": {"max_trials": 10},
        "seed": 11,
    }
    sweep_id = create_sweep(tmp_path, spec, db, env)
    true = shutil.which("true")
    assert true is not None
    done = runway_cli(
        "agent", sweep_id, "--count", "25", "--tracking-uri", db, "--poll", "0.05", "--", true,
        env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "ran 10 trial(s)" in done.stderr and "is finished" in done.stderr
    store = SqlStore(db)
    try:
        sweep = store.get_sweep(sweep_id)
        assert (sweep.counts, sweep.state, sweep.max_trials) == ({"finished": 10}, "finished", 10)
        assert store.claim_next_trial(sweep_id, "late") is None
        assert len({t.params["x"] for t in store.list_trials(sweep_id)}) == 10
    finally:
        store.close()


def _optimise(store: SqlStore, experiment_id: str, method: str, budget: int) -> float:
    """Run a sweep to its end in process: claim, evaluate, log, finish. Returns the best."""
    spec = {
        "method": method,
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": SPACE,
        "budget": {"max_trials": budget},
        "seed": 3,
    }
    sweep = store.create_sweep(SweepCreate(experiment_id=experiment_id, spec=spec, name=method))
    while (trial := store.claim_next_trial(sweep.id, "w")) is not None:
        p: dict[str, Any] = trial.params
        loss = (p["x"] - 3.7) ** 2 + (p["y"] + 1.3) ** 2
        store.log_metrics(
            trial.run_id, MetricBatch(metrics={"loss": MetricSeriesIn(values=[loss])})
        )
        store.update_run(trial.run_id, RunUpdate(status=RunStatus.finished))
    done = store.get_sweep(sweep.id)
    assert done.counts == {"finished": budget} and done.best is not None
    assert done.best.value is not None
    return done.best.value


def test_bayes_beats_random_on_a_shifted_quadratic(sqlite_uri: str) -> None:
    store = SqlStore(sqlite_uri)
    try:
        exp = store.create_experiment(
            store.create_project(ProjectCreate(name="p")).id, ExperimentCreate(name="e")
        )
        random_best = _optimise(store, exp.id, "random", 30)
        bayes_best = _optimise(store, exp.id, "bayes", 30)
        again = _optimise(store, exp.id, "bayes", 30)
    finally:
        store.close()
    assert bayes_best == again  # the same seed and history give the same search
    # Seed 3: random's best is 8.5, TPE's 0.58 (seeds 1-6 all favour TPE, by 2.5x to 65x).
    assert bayes_best < random_best, (bayes_best, random_best)
