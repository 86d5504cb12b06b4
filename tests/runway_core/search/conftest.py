"""Fixtures of the search tests: the same runs on SQLite, PostgreSQL and over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    RunCreate,
    RunSearch,
    RunStatus,
)
from runway_core.store import Store
from tests.runway_core.stores import KINDS, open_store

T0 = 1769817600000  # 2026-01-31T00:00:00Z


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """Store on SQLite and PostgreSQL, and HttpStore: search, page tokens and 400s over REST."""
    return open_store(request.param, request, tmp_path)


@dataclass
class World:
    project: str
    other_project: str
    e1: str
    e2: str
    e3: str
    ids: dict[str, str]  # run name -> id


def _run(store: Store, exp: str, name: str, acc: list[float] | None = None, **kw: Any) -> str:
    run = store.create_run(RunCreate(experiment_id=exp, name=name, **kw))
    if acc is not None:
        store.log_metrics(run.id, MetricBatch(metrics={"acc": MetricSeriesIn(values=acc)}))
    return run.id


@pytest.fixture
def world(store: Store) -> World:
    p = store.create_project(ProjectCreate(name="digits"))
    q = store.create_project(ProjectCreate(name="elsewhere"))
    e1 = store.create_experiment(p.id, ExperimentCreate(name="svm")).id
    e2 = store.create_experiment(p.id, ExperimentCreate(name="mlp")).id
    e3 = store.create_experiment(q.id, ExperimentCreate(name="svm")).id
    ids = {
        "svm-a": _run(
            store,
            e1,
            "svm-a",
            [0.5, 0.95, 0.9],
            params={"model": "svm", "C": 0.5, "opt": {"lr": 0.1}, "use_bn": True},
            tags={"stage": "prod", "note": "Fast run"},
            status=RunStatus.finished,
            start_time=T0 + 1000,
            end_time=T0 + 5000,
            user="alice",
        ),
        "svm-b": _run(
            store,
            e1,
            "svm-b",
            [0.7, 0.8],
            params={"model": "svm", "C": 2, "use_bn": False},
            tags={"stage": "dev", "note": "slow"},
            status=RunStatus.failed,
            start_time=T0 + 2000,
            end_time=T0 + 2500,
            user="bob",
        ),
        "tree": _run(
            store,
            e1,
            "tree",
            [0.99],
            params={"model": "Tree", "C": "auto"},
            tags={"stage": "prod"},
            start_time=T0 + 3000,
        ),
        "bare": _run(store, e1, "bare", status=RunStatus.queued),
        "mlp": _run(
            store,
            e2,
            "mlp",
            [0.6, 0.65],
            params={"model": "mlp", "C": 10},
            tags={"stage": "prod", "note": "100% done", "pattern": "x*y[1]?"},
            start_time=T0 + 4000,
        ),
        "deleted": _run(store, e2, "deleted", [0.97], params={"model": "svm"}),
        "other": _run(store, e3, "other", [0.99], params={"model": "svm"}),
    }
    store.delete_run(ids["deleted"])
    return World(p.id, q.id, e1, e2, e3, ids)


def names(store: Store, **kw: Any) -> list[str]:
    return [r.name or "" for r in store.search_runs(RunSearch(**kw)).runs]


@pytest.fixture
def many(store: Store) -> str:
    """23 runs with tied, missing and NaN metric values, tied params and missing tags."""
    p = store.create_project(ProjectCreate(name="many"))
    exp = store.create_experiment(p.id, ExperimentCreate(name="grid")).id
    runs = store.create_runs(
        [
            RunCreate(
                experiment_id=exp,
                name=f"r{i:02d}",
                start_time=T0 + (i % 4) * 1000,
                params={"lr": [0.1, 0.01, "auto"][i % 3]} if i % 5 else {},
                tags={"fold": str(i % 3)} if i % 4 else {},
            )
            for i in range(23)
        ]
    )
    for i, run in enumerate(runs):
        if i % 7 == 0:
            continue  # no acc at all
        value = None if i % 11 == 0 else (i % 5) / 10  # None is NaN: a summary with last NULL
        store.log_metrics(run.id, MetricBatch(metrics={"acc": MetricSeriesIn(values=[value])}))
    return exp
