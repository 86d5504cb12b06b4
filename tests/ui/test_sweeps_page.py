"""The Sweeps page through AppTest: a sweep's progress, best-so-far curve, metric against each
parameter, parallel coordinates and trials; sweeps listed and linked from the project page."""

from __future__ import annotations

import time
from typing import Any

import pytest

from runway_core.schemas import MetricBatch, MetricSeriesIn, RunStatus, RunUpdate
from runway_core.schemas.sweep import SweepCreate
from runway_core.store.sql import SqlStore
from tests.ui.conftest import Seeded
from tests.ui.helpers import figures, no_exception, select, table, traces

LOSSES = [0.5, 0.8, 0.2]  # trials 0-2 finish with these; trial 3 stays queued


@pytest.fixture
def sweep_id(seeded: Seeded) -> str:
    store = SqlStore(seeded.uri)
    try:
        spec = {
            "method": "grid",
            "metric": {"name": "loss", "goal": "minimize"},
            "parameters": {"lr": {"values": [0.1, 0.01]}, "layers": {"values": [1, 2]}},
        }
        sweep = store.create_sweep(
            SweepCreate(experiment_id=seeded.experiments["svm"], spec=spec, name="svm-grid")
        )
        for loss in LOSSES:
            trial = store.claim_next_trial(sweep.id, "w")
            assert trial is not None
            batch = MetricBatch(metrics={"loss": MetricSeriesIn(values=[1.0, loss])})
            store.log_metrics(trial.run_id, batch)
            store.update_run(trial.run_id, RunUpdate(status=RunStatus.finished))
        return sweep.id
    finally:
        store.close()


def _links(at: Any) -> list[str]:
    return [el.proto.label for el in at.get("page_link")]


def test_a_sweep_shows_progress_best_so_far_each_parameter_and_trials(
    sweep_id: str, open_page: Any
) -> None:
    at = open_page("sweeps", sweep=sweep_id)
    no_exception(at)
    assert [t.value for t in at.title] == ["svm-grid"]
    (bar,) = at.get("progress")
    assert "3 of 4 trials ended" in bar.proto.text
    best, *scatters, parallel = figures(at)
    curve = traces(best)
    assert curve["loss"]["y"] == LOSSES
    assert curve["best so far ↓"]["y"] == [0.5, 0.5, 0.2]
    assert [s["layout"]["xaxis"]["title"]["text"] for s in scatters] == [
        "params.lr",
        "params.layers",
    ]
    dims = [d["label"] for d in parallel["data"][0]["dimensions"]]
    assert dims == ["params.lr", "params.layers", "loss"]
    assert [s["layout"]["title"]["text"] for s in scatters] == [
        "loss vs params.lr",
        "loss vs params.layers",
    ]
    trials = table(at)
    assert trials["status"].tolist() == ["finished"] * 3 + ["queued"]
    assert all(link.startswith("/run?run=") for link in trials["run"])
    assert any(label.startswith("Open trial 2") for label in _links(at))  # the best one


def test_sweeps_listed_opened_and_linked_from_the_project(sweep_id: str, open_page: Any) -> None:
    at = open_page("sweeps")
    no_exception(at)
    listed = table(at)
    assert listed["sweep"].tolist() == ["svm-grid"] and listed["best"].tolist() == [0.2]
    at = select(at, ["svm-grid"], column="sweep")
    no_exception(at)
    assert [t.value for t in at.title] == ["svm-grid"]
    project = open_page("project", project="digits")
    no_exception(project)
    assert any(label.startswith("svm-grid: grid, running, 3/4") for label in _links(project))
    experiment = open_page("experiment", project="digits", experiment="svm")
    no_exception(experiment)
    assert any(label.startswith("svm-grid") for label in _links(experiment))


def test_no_sweeps_shows_how_to_start_one(seeded: Seeded, open_page: Any) -> None:
    at = open_page("sweeps")
    no_exception(at)
    assert any("No sweeps yet" in i.value for i in at.info)
    assert any("runway agent" in c.value for c in at.code)


def test_a_retried_trial_is_one_row_linking_its_earlier_attempt(
    seeded: Seeded, open_page: Any
) -> None:
    store = SqlStore(seeded.uri)
    try:
        spec = {
            "method": "grid",
            "metric": {"name": "loss", "goal": "minimize"},
            "parameters": {"lr": {"values": [0.1, 0.01]}},
        }
        sweep = store.create_sweep(
            SweepCreate(experiment_id=seeded.experiments["svm"], spec=spec, name="retried")
        )
        dead = store.claim_next_trial(sweep.id, "lost")
        assert dead is not None
        store.log_metrics(dead.run_id, MetricBatch(metrics={"loss": MetricSeriesIn(values=[0.1])}))
        time.sleep(0.05)
        assert store.requeue_stale_trials(sweep.id, timeout=0.01) == [dead.run_id]
        for loss in (0.4, 0.3):  # trial 0's second attempt, then trial 1
            trial = store.claim_next_trial(sweep.id, "w")
            assert trial is not None
            store.log_metrics(
                trial.run_id, MetricBatch(metrics={"loss": MetricSeriesIn(values=[loss])})
            )
            store.update_run(trial.run_id, RunUpdate(status=RunStatus.finished))
    finally:
        store.close()
    at = open_page("sweeps", sweep=sweep.id)
    no_exception(at)
    (bar,) = at.get("progress")
    assert "2 of 2 trials ended (2 finished)" in bar.proto.text  # the dead attempt is no trial
    trials = table(at)
    assert trials["trial"].tolist() == [0, 1] and trials["attempts"].tolist() == [2, 1]
    assert trials["previous"].tolist()[0] == f"/run?run={dead.run_id}"
    assert trials["run"].tolist()[0] != f"/run?run={dead.run_id}"
    assert trials["value"].tolist() == [0.4, 0.3]  # not the dead attempt's 0.1
    assert any(label.startswith("Open trial 1") for label in _links(at))  # best: 0.3
