"""Metric goals behave the same on every store: per-project settings, the default by name, and
the "best" aggregates that follow them."""

from __future__ import annotations

import pytest

from runway_core.errors import InvalidInput, NotFound
from runway_core.schemas import (
    ExperimentCreate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    ProjectUpdate,
    RunCreate,
)
from runway_core.store import Store


def _project(store: Store, **fields: object) -> str:
    """A project with experiments "a" (runs ending at loss 0.2 and 0.4, acc 0.9 and 0.7) and "b"
    (loss 0.1, acc 0.95)."""
    project = store.create_project(ProjectCreate(name="p", **fields))  # type: ignore[arg-type]
    for exp, points in (("a", [(0.2, 0.9), (0.4, 0.7)]), ("b", [(0.1, 0.95)])):
        e = store.create_experiment(project.id, ExperimentCreate(name=exp))
        for loss, acc in points:
            run = store.create_run(RunCreate(experiment_id=e.id))
            batch = MetricBatch(
                metrics={
                    "val_loss": MetricSeriesIn(values=[loss]),
                    "acc": MetricSeriesIn(values=[acc]),
                }
            )
            store.log_metrics(run.id, batch)
    return project.id


def _best(store: Store, project_id: str, metric: str) -> list[float | None]:
    return [e.metric_best for e in store.list_experiments(project_id, metric=metric)]


def test_a_loss_is_best_when_lowest_without_any_setting(store: Store) -> None:
    pid = _project(store, primary_metric="acc", primary_metric_goal="max")
    assert _best(store, pid, "val_loss") == [0.2, 0.1]
    assert _best(store, pid, "acc") == [0.9, 0.95]


def test_primary_metric_without_a_goal_gets_the_goal_by_name(store: Store) -> None:
    pid = _project(store, primary_metric="val_loss")
    project = store.get_project(pid)
    assert project.primary_metric_goal == "min"
    [summary] = store.list_projects()
    assert (summary.best_value, summary.best_goal) == (0.1, "min")
    plain = store.create_project(ProjectCreate(name="q", primary_metric="f1"))
    assert plain.primary_metric_goal == "max"


def test_the_project_primary_goal_wins_over_the_name(store: Store) -> None:
    # An odd but explicit choice: the user said the higher val_loss is the better one.
    pid = _project(store, primary_metric="val_loss", primary_metric_goal="max")
    assert _best(store, pid, "val_loss") == [0.4, 0.1]
    assert store.list_projects()[0].best_value == 0.4
    assert _best(store, pid, "acc") == [0.9, 0.95]  # other metrics keep their own default


def test_set_list_and_reset_a_metric_goal(store: Store) -> None:
    pid = _project(store, primary_metric="acc")
    assert store.list_metric_goals(pid) == []
    stored = store.set_metric_goal(pid, "val_loss", "max")
    assert (stored.project_id, stored.key, stored.goal, stored.source) == (
        pid,
        "val_loss",
        "max",
        "setting",
    )
    assert _best(store, pid, "val_loss") == [0.4, 0.1]
    store.set_metric_goal(pid, "acc", "min")  # a setting beats the primary metric's goal
    assert _best(store, pid, "acc") == [0.7, 0.95]
    assert store.list_projects()[0].best_value == 0.7
    assert store.list_projects()[0].best_goal == "min"
    assert [(g.key, g.goal) for g in store.list_metric_goals(pid)] == [
        ("acc", "min"),
        ("val_loss", "max"),
    ]
    store.set_metric_goal(pid, "val_loss", "min")  # changed, not added twice
    assert [g.goal for g in store.list_metric_goals(pid)] == ["min", "min"]

    default = store.set_metric_goal(pid, "val_loss", None)  # back to the rule
    assert (default.goal, default.source) == ("min", "name")
    primary = store.set_metric_goal(pid, "acc", None)
    assert (primary.goal, primary.source) == ("max", "primary_metric")
    assert store.list_metric_goals(pid) == []
    assert store.set_metric_goal(pid, "acc", None).source == "primary_metric"  # idempotent
    assert _best(store, pid, "val_loss") == [0.2, 0.1]


def test_keys_with_slashes_and_per_project_settings(store: Store) -> None:
    a = store.create_project(ProjectCreate(name="a"))
    b = store.create_project(ProjectCreate(name="b"))
    store.set_metric_goal(a.id, "train/loss", "max")
    assert [g.key for g in store.list_metric_goals(a.id)] == ["train/loss"]
    assert store.list_metric_goals(b.id) == []


def test_bad_goals_and_keys_are_refused_and_nothing_is_stored(store: Store) -> None:
    pid = store.create_project(ProjectCreate(name="p")).id
    with pytest.raises(InvalidInput) as info:
        store.set_metric_goal(pid, "acc", "up")  # type: ignore[arg-type]
    assert info.value.field == "goal" and "'max' or 'min'" in info.value.message
    for key in ("", "bad*key", "x" * 251):
        with pytest.raises(InvalidInput) as info:
            store.set_metric_goal(pid, key, "max")
        assert info.value.field == "key"
    assert store.list_metric_goals(pid) == []
    with pytest.raises(NotFound):
        store.set_metric_goal("0" * 32, "acc", "max")
    with pytest.raises(NotFound):
        store.list_metric_goals("0" * 32)


def test_goals_go_with_their_project(store: Store) -> None:
    pid = store.create_project(ProjectCreate(name="p")).id
    store.set_metric_goal(pid, "acc", "min")
    store.delete_project(pid)
    again = store.create_project(ProjectCreate(name="p")).id
    assert store.list_metric_goals(again) == []


def test_new_primary_metric_without_a_goal_gets_its_goal_by_name(store: Store) -> None:
    pid = store.create_project(ProjectCreate(name="p")).id
    assert store.update_project(pid, ProjectUpdate(primary_metric="rmse")).primary_metric_goal == (
        "min"
    )
    updated = store.update_project(pid, ProjectUpdate(primary_metric="r2"))
    assert updated.primary_metric_goal == "max"
    given = store.update_project(
        pid, ProjectUpdate(primary_metric="mae", primary_metric_goal="max")
    )
    assert given.primary_metric_goal == "max"
    same = store.update_project(pid, ProjectUpdate(primary_metric="mae", description="d"))
    assert same.primary_metric_goal == "max"  # the metric did not change: the goal stays
