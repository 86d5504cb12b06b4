"""Metric ingest, summaries and history behave the same on every store."""

from __future__ import annotations

import math

import pytest

from runway_core.errors import InvalidInput, NotFound
from runway_core.schemas import MetricBatch, MetricSeriesIn, RunCreate, RunStatus, RunUpdate
from runway_core.store import Store


def batch(batch_id: str | None = None, **series: MetricSeriesIn) -> MetricBatch:
    return MetricBatch(batch_id=batch_id, metrics=series)


def test_columnar_batch_and_summary(store: Store, experiment) -> None:
    run = store.create_run(RunCreate(experiment_id=experiment.id))
    res = store.log_metrics(
        run.id,
        batch(
            loss=MetricSeriesIn(steps=[0, 1, 2], timestamps=[10, 20, 30], values=[3.0, 2.0, 2.5]),
            acc=MetricSeriesIn(steps=[0, 1, 2], timestamps=[10, 20, 30], values=[0.1, None, 0.5]),
        ),
    )
    assert res.points == 6 and not res.duplicate
    m = store.get_run(run.id).metrics
    assert (m["loss"].last, m["loss"].min, m["loss"].max, m["loss"].last_step) == (2.5, 2.0, 3.0, 2)
    assert (m["acc"].min, m["acc"].max, m["acc"].count) == (0.1, 0.5, 3)
    hist = store.get_metric_history(run.id, "acc")
    assert hist.steps == [0, 1, 2] and hist.timestamps == [10, 20, 30]
    assert hist.values[0] == 0.1 and hist.values[1] is None  # NaN comes back as a gap


def test_steps_default_to_continuing_the_series(store: Store, experiment) -> None:
    run = store.create_run(RunCreate(experiment_id=experiment.id))
    store.log_metrics(run.id, batch(x=MetricSeriesIn(values=[1.0, 2.0])))
    store.log_metrics(run.id, batch(x=MetricSeriesIn(values=[3.0])))
    assert store.get_metric_history(run.id, "x").steps == [0, 1, 2]


def test_backwards_steps_are_stored_as_logged(store: Store, experiment) -> None:
    run = store.create_run(RunCreate(experiment_id=experiment.id))
    store.log_metrics(run.id, batch(x=MetricSeriesIn(steps=[5, 6], values=[5.0, 6.0])))
    store.log_metrics(run.id, batch(x=MetricSeriesIn(steps=[1], values=[1.0])))
    hist = store.get_metric_history(run.id, "x")
    assert hist.steps == [1, 5, 6] and hist.values == [1.0, 5.0, 6.0]
    summary = store.get_run(run.id).metrics["x"]
    assert (summary.last, summary.last_step, summary.count) == (6.0, 6, 3)


def test_repeated_batch_id_is_stored_once(store: Store, experiment) -> None:
    run = store.create_run(RunCreate(experiment_id=experiment.id))
    b = batch("batch-1", x=MetricSeriesIn(steps=[0, 1], values=[1.0, 2.0]))
    assert not store.log_metrics(run.id, b).duplicate
    assert store.log_metrics(run.id, b).duplicate
    assert store.get_metric_history(run.id, "x").values == [1.0, 2.0]
    assert store.get_run(run.id).metrics["x"].count == 2


def test_batch_ids_are_per_run(store: Store, experiment) -> None:
    """A batch id dedupes retries to one run; the same id sent to another run is new data."""
    a = store.create_run(RunCreate(experiment_id=experiment.id))
    b = store.create_run(RunCreate(experiment_id=experiment.id))
    assert not store.log_metrics(a.id, batch("epoch-1", x=MetricSeriesIn(values=[1.0]))).duplicate
    assert not store.log_metrics(b.id, batch("epoch-1", x=MetricSeriesIn(values=[2.0]))).duplicate
    assert store.log_metrics(b.id, batch("epoch-1", x=MetricSeriesIn(values=[2.0]))).duplicate
    assert store.get_metric_history(b.id, "x").values == [2.0]
    assert store.get_run(a.id).metrics["x"].count == 1


def test_logging_to_a_finished_run_is_allowed(store: Store, experiment) -> None:
    run = store.create_run(RunCreate(experiment_id=experiment.id))
    store.update_run(run.id, RunUpdate(status=RunStatus.finished))
    store.log_metrics(run.id, batch(test_acc=MetricSeriesIn(values=[0.93])))
    assert store.get_run(run.id).metrics["test_acc"].last == 0.93


@pytest.mark.parametrize(
    ("series", "field"),
    [
        ({"x": MetricSeriesIn(steps=[0, 1], values=[1.0])}, "metrics.x.steps"),
        ({"x": MetricSeriesIn(timestamps=[1, 2, 3], values=[1.0])}, "metrics.x.timestamps"),
        ({"x": MetricSeriesIn(values=[])}, "metrics.x.values"),
        ({"": MetricSeriesIn(values=[1.0])}, "metrics."),
        ({"k" * 251: MetricSeriesIn(values=[1.0])}, "metrics." + "k" * 251),
        ({"x": MetricSeriesIn(steps=[0], timestamps=[-5], values=[1.0])}, "metrics.x.timestamps.0"),
    ],
)
def test_bad_batches_write_nothing(store: Store, experiment, series, field) -> None:
    run = store.create_run(RunCreate(experiment_id=experiment.id))
    good = {"ok": MetricSeriesIn(values=[1.0])}
    with pytest.raises(InvalidInput) as info:
        store.log_metrics(run.id, MetricBatch(metrics={**good, **series}))
    assert info.value.field is not None and info.value.field.startswith(field)
    assert store.get_run(run.id).metrics == {}
    with pytest.raises(NotFound):
        store.get_metric_history(run.id, "ok")


def test_history_downsampling_keeps_ends_and_extremes(store: Store, experiment) -> None:
    run = store.create_run(RunCreate(experiment_id=experiment.id))
    n = 20_000
    values = [math.sin(i / 500) for i in range(n)]
    values[12_345] = 50.0  # a spike LTTB must keep
    for start in range(0, n, 5000):
        store.log_metrics(
            run.id,
            batch(
                y=MetricSeriesIn(
                    steps=list(range(start, start + 5000)),
                    timestamps=[0] * 5000,
                    values=values[start : start + 5000],
                )
            ),
        )
    full = store.get_metric_history(run.id, "y")
    assert full.total_points == n and len(full.steps) == n and not full.downsampled
    small = store.get_metric_history(run.id, "y", max_points=200)
    assert small.downsampled and len(small.steps) == 200 and small.total_points == n
    assert small.steps[0] == 0 and small.steps[-1] == n - 1
    assert 12_345 in small.steps and max(v for v in small.values if v is not None) == 50.0
    assert small.steps == sorted(small.steps)
    with pytest.raises(InvalidInput):
        store.get_metric_history(run.id, "y", max_points=1)


def test_metrics_on_unknown_run_or_key(store: Store, experiment) -> None:
    with pytest.raises(NotFound):
        store.log_metrics("0" * 32, batch(x=MetricSeriesIn(values=[1.0])))
    run = store.create_run(RunCreate(experiment_id=experiment.id))
    with pytest.raises(NotFound):
        store.get_metric_history(run.id, "missing")
