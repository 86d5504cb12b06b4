"""Claiming is atomic: 8 workers claiming at once from the same sweep never get the same
trial, on SQLite (serialised writers) and on PostgreSQL (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from runway_core.schemas import ExperimentCreate, ProjectCreate
from runway_core.schemas.sweep import SweepCreate
from runway_core.store.sql import SqlStore

WORKERS = 8
TRIALS = 40


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_eight_concurrent_claimers_never_share_a_trial(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    uri = request.getfixturevalue("sqlite_uri" if backend == "sqlite" else "pg_uri")
    setup = SqlStore(uri, artifacts_uri=str(tmp_path / "a"))
    request.addfinalizer(setup.close)
    project = setup.create_project(ProjectCreate(name="p"))
    exp = setup.create_experiment(project.id, ExperimentCreate(name="e"))
    spec = {
        "method": "random",
        "metric": {"name": "loss", "goal": "min"},
        "parameters": {"x": {"distribution": "uniform", "min": 0, "max": 1}},
        "budget": {"max_trials": TRIALS},
    }
    sweep = setup.create_sweep(SweepCreate(experiment_id=exp.id, spec=spec))
    # One store (own engine and connections) per worker, as separate processes would have.
    stores = [SqlStore(uri, migrate=False) for _ in range(WORKERS)]
    for store in stores:
        request.addfinalizer(store.close)
    claims: dict[str, list[str]] = {f"w{i}": [] for i in range(WORKERS)}
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def work(name: str, store: SqlStore) -> None:
        try:
            barrier.wait()
            while (trial := store.claim_next_trial(sweep.id, name)) is not None:
                claims[name].append(trial.run_id)
                time.sleep(0.01)  # "runs" the trial, so one thread cannot drain the queue alone
        except BaseException as exc:  # shown by the assertion below
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(name, store))
        for name, store in zip(claims, stores, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    claimed = [run_id for ids in claims.values() for run_id in ids]
    counts = Counter(claimed)
    assert [run_id for run_id, n in counts.items() if n > 1] == []  # no trial twice
    assert len(claimed) == TRIALS
    assert sum(1 for ids in claims.values() if ids) >= 2  # they really competed
    trials = setup.list_trials(sweep.id)
    assert {t.run_id: t.worker for t in trials} == {
        run_id: name for name, ids in claims.items() for run_id in ids
    }
    assert setup.get_sweep(sweep.id).counts == {"running": TRIALS}
