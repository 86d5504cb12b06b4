"""Eight concurrent writers to one run lose and duplicate nothing, on SQLite and PostgreSQL.

Each writer has its own SqlStore (its own engine and connections), as separate server workers
or processes would; every batch is also sent twice to exercise the batch-id dedupe under races.
"""

from __future__ import annotations

import threading

import pytest

from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    RunCreate,
)
from runway_core.store.sql import SqlStore

WRITERS = 8
BATCHES = 15
POINTS = 40


@pytest.fixture(params=["sqlite_uri", "pg_uri"])
def db_uri(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(request.param))


def test_concurrent_writers_to_one_run(db_uri: str) -> None:
    setup = SqlStore(db_uri)
    project = setup.create_project(ProjectCreate(name="p"))
    exp = setup.create_experiment(project.id, ExperimentCreate(name="e"))
    run = setup.create_run(RunCreate(experiment_id=exp.id))
    errors: list[BaseException] = []
    barrier = threading.Barrier(WRITERS)

    def writer(w: int) -> None:
        store = SqlStore(db_uri, migrate=False)
        try:
            barrier.wait()
            for b in range(BATCHES):
                steps = [w * 10_000 + b * POINTS + i for i in range(POINTS)]
                batch = MetricBatch(
                    batch_id=f"w{w}-b{b}",
                    metrics={
                        "loss": MetricSeriesIn(steps=steps, values=[float(s) for s in steps]),
                        f"own_{w}": MetricSeriesIn(steps=steps, values=[1.0] * POINTS),
                    },
                )
                store.log_metrics(run.id, batch)
                store.log_metrics(run.id, batch)  # a retry must not double anything
                store.log_params(run.id, {f"w{w}": w, "shared": "same"})
                store.set_tags(run.id, {f"t{w}": str(b), "last_writer": str(w)})
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    got = setup.get_run(run.id)
    expected_steps = sorted(
        w * 10_000 + b * POINTS + i
        for w in range(WRITERS)
        for b in range(BATCHES)
        for i in range(POINTS)
    )
    loss = setup.get_metric_history(run.id, "loss")
    assert loss.steps == expected_steps  # nothing lost, nothing twice
    assert loss.values == [float(s) for s in expected_steps]
    assert got.metrics["loss"].count == len(expected_steps)
    assert got.metrics["loss"].last_step == max(expected_steps)
    for w in range(WRITERS):
        assert got.metrics[f"own_{w}"].count == BATCHES * POINTS
        assert got.params[f"w{w}"] == w
        assert got.tags[f"t{w}"] == str(BATCHES - 1)
    assert got.params["shared"] == "same"
    setup.close()
