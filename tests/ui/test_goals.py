""" "Best" follows each metric's goal on every page: lower is better for a loss, the user can
change a metric's goal on the Project page, and the page says which goal is in force and why."""

from __future__ import annotations

import pytest

from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    RunCreate,
)
from runway_core.store.sql import SqlStore
from tests.ui.helpers import captions, figures, no_exception, table, traces


def _metric(at, name: str):  # type: ignore[no-untyped-def]
    (box,) = [s for s in at.selectbox if s.label == "Metric"]
    return box.set_value(name).run()


def test_best_loss_per_experiment_is_the_lowest(seeded, open_page) -> None:
    at = _metric(open_page("project", project="digits"), "loss")
    no_exception(at)
    # loss = 1 - val_acc: svm runs end at 0.3, 0.1, 0.15; mlp runs at 0.05 and 0.6.
    assert traces(figures(at)[0])["best loss"]["y"] == pytest.approx([0.1, 0.05])
    assert table(at)["best"].tolist() == pytest.approx([0.1, 0.05])
    assert any("Lower is better" in c and "by name" in c for c in captions(at))


def test_goal_switched_on_the_project_page_is_stored_and_used(seeded, open_page) -> None:
    at = _metric(open_page("project", project="digits"), "loss")
    at.radio(key="metric_goal").set_value("highest").run()
    no_exception(at)
    assert traces(figures(at)[0])["best loss"]["y"] == pytest.approx([0.3, 0.6])
    assert any("Higher is better" in c and "set for this project" in c for c in captions(at))
    store = SqlStore(seeded.uri)
    project = store.get_project_by_name("digits")
    assert [(g.key, g.goal) for g in store.list_metric_goals(project.id)] == [("loss", "max")]
    store.close()

    # A fresh session reads the stored goal; "use the default" goes back to the rule by name.
    at = _metric(open_page("project", project="digits"), "loss")
    assert traces(figures(at)[0])["best loss"]["y"] == pytest.approx([0.3, 0.6])
    (reset,) = [b for b in at.button if b.label.startswith("Use the default")]
    reset.click().run()
    no_exception(at)
    assert traces(figures(at)[0])["best loss"]["y"] == pytest.approx([0.1, 0.05])
    assert any("Lower is better" in c and "by name" in c for c in captions(at))


def test_primary_metric_goal_is_explained(seeded, open_page) -> None:
    at = open_page("project", project="digits")
    assert any("Higher is better" in c and "primary metric" in c for c in captions(at)), captions(
        at
    )


def _loss_project(uri: str) -> dict[str, str]:
    """Project "regression", primary metric rmse given without a goal, three runs."""
    store = SqlStore(uri)
    project = store.create_project(ProjectCreate(name="regression", primary_metric="rmse"))
    exp = store.create_experiment(project.id, ExperimentCreate(name="ridge"))
    ids = {}
    for i, (name, rmse) in enumerate([("r-mid", 2.0), ("r-low", 1.0), ("r-high", 3.0)]):
        run = store.create_run(RunCreate(experiment_id=exp.id, name=name, start_time=i))
        store.log_metrics(run.id, MetricBatch(metrics={"rmse": MetricSeriesIn(values=[rmse])}))
        ids[name] = run.id
    store.close()
    return ids


def test_projects_list_best_of_a_minimised_primary_metric(seeded, open_page) -> None:
    _loss_project(seeded.uri)
    at = open_page("projects")
    no_exception(at)
    row = table(at).set_index("project").loc["regression"]
    assert row["best"] == 1.0
    assert row["primary metric"] == "rmse ↓"


def test_experiment_page_puts_the_lowest_rmse_first(seeded, open_page) -> None:
    _loss_project(seeded.uri)
    at = open_page("experiment", project="regression", experiment="ridge")
    no_exception(at)
    assert table(at)["name"].tolist() == ["r-low", "r-mid", "r-high"]
