"""Eight HttpStore clients write to one run through a real two-worker ``runway server``;
nothing is lost or stored twice, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    RunCreate,
)
from runway_core.store.http import HttpStore

CLIENTS = 8
BATCHES = 10
POINTS = 100


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["sqlite_uri", "pg_uri"])
def test_eight_clients_one_run(
    backend: str, request: pytest.FixtureRequest, live_server_factory: Callable
) -> None:
    server = live_server_factory(backend_uri=request.getfixturevalue(backend), workers=2)
    setup = HttpStore(server.url)
    project = setup.create_project(ProjectCreate(name="concurrency"))
    exp = setup.create_experiment(project.id, ExperimentCreate(name="e"))
    run = setup.create_run(RunCreate(experiment_id=exp.id))
    errors: list[BaseException] = []
    barrier = threading.Barrier(CLIENTS)

    def client(c: int) -> None:
        store = HttpStore(server.url)
        try:
            barrier.wait()
            for b in range(BATCHES):
                steps = [c * 100_000 + b * POINTS + i for i in range(POINTS)]
                batch = MetricBatch(
                    batch_id=f"c{c}-b{b}",
                    metrics={"loss": MetricSeriesIn(steps=steps, values=[s / 7 for s in steps])},
                )
                first = store.log_metrics(run.id, batch)
                again = store.log_metrics(run.id, batch)  # a client retry after a lost reply
                assert not first.duplicate and again.duplicate
                store.log_params(run.id, {f"p{c}": c})
        except BaseException as exc:
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [], server.log()
    expected = sorted(
        c * 100_000 + b * POINTS + i
        for c in range(CLIENTS)
        for b in range(BATCHES)
        for i in range(POINTS)
    )
    history = setup.get_metric_history(run.id, "loss")
    assert history.steps == expected
    assert history.values == [s / 7 for s in expected]
    got = setup.get_run(run.id)
    assert got.metrics["loss"].count == len(expected)
    assert got.params == {f"p{c}": c for c in range(CLIENTS)}
