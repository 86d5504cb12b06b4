"""Projects and experiments behave the same on every store."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from runway_core.errors import AlreadyExists, InvalidInput, NotFound
from runway_core.schemas import (
    ExperimentCreate,
    ExperimentUpdate,
    MetricBatch,
    MetricSeriesIn,
    ProjectCreate,
    ProjectUpdate,
    RunCreate,
)
from runway_core.store import Store
from tests.runway_core.stores import open_store


def test_project_crud(store: Store) -> None:
    p = store.create_project(ProjectCreate(name="digits", description="d"))
    assert store.get_project(p.id).name == "digits"
    assert store.get_project_by_name("digits").id == p.id
    updated = store.update_project(p.id, ProjectUpdate(description="new", primary_metric="acc"))
    assert (updated.description, updated.primary_metric) == ("new", "acc")
    assert [x.name for x in store.list_projects()] == ["digits"]
    store.delete_project(p.id)
    with pytest.raises(NotFound):
        store.get_project(p.id)


def test_duplicate_project_name_conflicts_unless_exist_ok(store: Store) -> None:
    p = store.create_project(ProjectCreate(name="digits"))
    with pytest.raises(AlreadyExists, match="digits"):
        store.create_project(ProjectCreate(name="digits"))
    assert store.create_project(ProjectCreate(name="digits"), exist_ok=True).id == p.id
    assert len(store.list_projects()) == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 251])
def test_bad_project_names_are_refused(store: Store, name: str) -> None:
    # Too long is caught by the pydantic model itself, at the call site; both name the field.
    with pytest.raises((InvalidInput, ValidationError), match="name"):
        store.create_project(ProjectCreate(name=name))
    assert store.list_projects() == []


def test_unknown_ids_are_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.get_project("0" * 32)
    with pytest.raises(NotFound):
        store.get_experiment("0" * 32)
    with pytest.raises(NotFound):
        store.create_experiment("0" * 32, ExperimentCreate(name="x"))
    with pytest.raises(NotFound):
        store.get_project_by_name("nope")
    for call in (
        lambda: store.list_experiments("0" * 32),
        lambda: store.update_experiment("0" * 32, ExperimentUpdate(name="x")),
        lambda: store.get_experiment_by_name("0" * 32, "svm"),
    ):
        with pytest.raises(NotFound):
            call()
    p = store.create_project(ProjectCreate(name="digits"))
    with pytest.raises(NotFound, match="nope"):
        store.get_experiment_by_name(p.id, "nope")


def test_experiment_names_unique_within_a_project_only(store: Store) -> None:
    a = store.create_project(ProjectCreate(name="a"))
    b = store.create_project(ProjectCreate(name="b"))
    e1 = store.create_experiment(a.id, ExperimentCreate(name="svm"))
    store.create_experiment(b.id, ExperimentCreate(name="svm"))
    with pytest.raises(AlreadyExists):
        store.create_experiment(a.id, ExperimentCreate(name="svm"))
    assert store.create_experiment(a.id, ExperimentCreate(name="svm"), exist_ok=True).id == e1.id
    assert store.get_experiment_by_name(a.id, "svm").id == e1.id
    renamed = store.update_experiment(e1.id, ExperimentUpdate(name="linear svm"))
    assert renamed.name == "linear svm"


def test_summaries_count_runs_and_aggregate_the_metric(store: Store) -> None:
    p = store.create_project(ProjectCreate(name="digits", primary_metric="acc"))
    exps = [store.create_experiment(p.id, ExperimentCreate(name=n)) for n in ("svm", "mlp")]
    accs = {exps[0].id: [0.8, 0.9], exps[1].id: [0.7]}
    for eid, values in accs.items():
        for v in values:
            run = store.create_run(RunCreate(experiment_id=eid))
            store.log_metrics(run.id, MetricBatch(metrics={"acc": MetricSeriesIn(values=[v])}))
    [summary] = store.list_projects()
    assert (summary.experiment_count, summary.run_count, summary.best_value) == (2, 3, 0.9)
    rows = store.list_experiments(p.id, metric="acc")
    assert [r.name for r in rows] == ["svm", "mlp"]  # creation order
    assert [r.run_count for r in rows] == [2, 1]
    assert rows[0].metric_best == 0.9
    assert rows[0].metric_mean == pytest.approx(0.85)
    assert rows[1].metric_best == 0.7
    assert store.list_projects(search="DIG")[0].id == p.id
    assert store.list_projects(search="zzz") == []


def test_deleting_an_experiment_removes_its_runs_only(store: Store) -> None:
    p = store.create_project(ProjectCreate(name="digits"))
    gone = store.create_experiment(p.id, ExperimentCreate(name="svm"))
    kept = store.create_experiment(p.id, ExperimentCreate(name="mlp"))
    doomed = store.create_run(RunCreate(experiment_id=gone.id))
    survivor = store.create_run(RunCreate(experiment_id=kept.id))
    store.delete_experiment(gone.id)
    with pytest.raises(NotFound):
        store.get_experiment(gone.id)
    with pytest.raises(NotFound):
        store.get_run(doomed.id)
    with pytest.raises(NotFound):
        store.delete_experiment(gone.id)
    assert store.get_run(survivor.id).experiment_id == kept.id
    assert [e.name for e in store.list_experiments(p.id)] == ["mlp"]


def test_deleting_a_project_removes_everything_in_it(store: Store) -> None:
    p = store.create_project(ProjectCreate(name="digits"))
    exp = store.create_experiment(p.id, ExperimentCreate(name="svm"))
    run = store.create_run(RunCreate(experiment_id=exp.id))
    store.delete_project(p.id)
    for call in (lambda: store.get_experiment(exp.id), lambda: store.get_run(run.id)):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(NotFound):
        store.delete_project(p.id)
    with pytest.raises(NotFound):
        store.update_project(p.id, ProjectUpdate(description="x"))


def test_close_keeps_what_was_written_and_can_be_repeated(
    store: Store, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    p = store.create_project(ProjectCreate(name="digits", description="kept"))
    store.close()
    store.close()  # a second close (a context manager after an explicit close) is harmless
    again = open_store(request.node.callspec.params["store"], request, tmp_path)
    assert again.get_project(p.id) == p  # a new store on the same database reads it back


def test_experiment_tags_merge_and_a_null_tag_is_removed(store: Store) -> None:
    p = store.create_project(ProjectCreate(name="digits"))
    exp = store.create_experiment(
        p.id, ExperimentCreate(name="svm", tags={"team": "vision", "stage": "dev"})
    )
    assert exp.tags == {"team": "vision", "stage": "dev"}
    after = store.update_experiment(exp.id, ExperimentUpdate(tags={"stage": None, "owner": "ana"}))
    assert after.tags == {"team": "vision", "owner": "ana"}
    assert store.get_experiment(exp.id).tags == {"team": "vision", "owner": "ana"}
    with pytest.raises(InvalidInput, match="tags"):
        store.update_experiment(exp.id, ExperimentUpdate(tags={"bad\nkey": "x"}))
    assert store.get_experiment(exp.id).tags == {"team": "vision", "owner": "ana"}


def test_an_experiment_in_the_bin_keeps_its_runs_and_can_be_restored(store: Store) -> None:
    p = store.create_project(ProjectCreate(name="digits"))
    exp = store.create_experiment(p.id, ExperimentCreate(name="svm"))
    run = store.create_run(RunCreate(experiment_id=exp.id))
    binned = store.update_experiment(exp.id, ExperimentUpdate(deleted=True))
    assert binned.deleted_at is not None
    assert store.list_experiments(p.id) == []
    listed = store.list_experiments(p.id, include_deleted=True)
    assert [(e.id, e.run_count) for e in listed] == [(exp.id, 1)]
    assert store.get_run(run.id).experiment_id == exp.id
    restored = store.update_experiment(exp.id, ExperimentUpdate(deleted=False))
    assert restored.deleted_at is None
    assert [e.id for e in store.list_experiments(p.id)] == [exp.id]
