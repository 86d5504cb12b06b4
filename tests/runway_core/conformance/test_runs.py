"""Runs, params and tags behave the same on every store."""

from __future__ import annotations

import pytest

from runway_core.errors import AlreadyExists, Conflict, InvalidFilter, InvalidInput, NotFound
from runway_core.schemas import RunCreate, RunSearch, RunStatus, RunUpdate
from runway_core.store import Store


def test_run_lifecycle(store: Store, experiment) -> None:
    run = store.create_run(
        RunCreate(
            experiment_id=experiment.id,
            name="first",
            params={"C": 1.0, "kernel": "rbf", "opt": {"lr": 0.01, "betas": [0.9, 0.99]}},
            tags={"stage": "dev"},
            source="script",
            source_ids={"flow_run_id": "abc"},
            git_commit="a" * 40,
            command="python train.py",
        )
    )
    assert run.status == RunStatus.running and run.start_time is not None
    assert run.project_id == experiment.project_id
    got = store.get_run(run.id)
    assert got.params == {"C": 1.0, "kernel": "rbf", "opt.lr": 0.01, "opt.betas": [0.9, 0.99]}
    assert isinstance(got.params["C"], float)
    assert got.tags == {"stage": "dev"}
    assert got.source_ids == {"flow_run_id": "abc"}
    done = store.update_run(run.id, RunUpdate(status=RunStatus.finished))
    assert done.status == RunStatus.finished and done.end_time is not None
    assert done.end_time >= done.start_time


def test_delete_and_restore(store: Store, experiment) -> None:
    run = store.create_run(RunCreate(experiment_id=experiment.id))
    store.delete_run(run.id)
    assert store.get_run(run.id).deleted_at is not None
    with pytest.raises(NotFound):
        store.log_params(run.id, {"a": 1})
    restored = store.restore_run(run.id)
    assert restored.deleted_at is None
    store.log_params(run.id, {"a": 1})
    assert store.get_run(run.id).params == {"a": 1}


def test_params_are_write_once_unless_overwrite(store: Store, experiment) -> None:
    run = store.create_run(RunCreate(experiment_id=experiment.id, params={"lr": 0.1}))
    store.log_params(run.id, {"lr": 0.1, "epochs": 3})  # same value again: fine
    with pytest.raises(Conflict, match="lr"):
        store.log_params(run.id, {"lr": 0.2, "batch": 64})
    assert store.get_run(run.id).params == {"lr": 0.1, "epochs": 3}  # nothing of the batch
    store.log_params(run.id, {"lr": 0.2}, overwrite=True)
    assert store.get_run(run.id).params["lr"] == 0.2


@pytest.mark.parametrize(
    "params",
    [{"": 1}, {"x" * 251: 1}, {"bad key!": 1}, {"nan": float("nan")}, {"inf": float("inf")}],
)
def test_bad_params_are_refused_and_nothing_is_written(store: Store, experiment, params) -> None:
    run = store.create_run(RunCreate(experiment_id=experiment.id, params={"keep": 1}))
    with pytest.raises(InvalidInput):
        store.log_params(run.id, {"ok": 2, **params})
    assert store.get_run(run.id).params == {"keep": 1}


def test_tags_are_mutable(store: Store, experiment) -> None:
    run = store.create_run(RunCreate(experiment_id=experiment.id, tags={"a": "1"}))
    store.set_tags(run.id, {"a": "2", "b": "3"})
    assert store.get_run(run.id).tags == {"a": "2", "b": "3"}
    store.delete_tag(run.id, "a")
    assert store.get_run(run.id).tags == {"b": "3"}
    with pytest.raises(NotFound):
        store.delete_tag(run.id, "a")


def test_bulk_registration_is_all_or_nothing(store: Store, experiment) -> None:
    runs = store.create_runs(
        [
            RunCreate(experiment_id=experiment.id, status=RunStatus.queued, params={"i": i})
            for i in range(50)
        ]
    )
    assert len(runs) == 50 and {r.params["i"] for r in runs} == set(range(50))
    assert all(r.start_time is None for r in runs)
    with pytest.raises(NotFound):
        store.create_runs(
            [RunCreate(experiment_id=experiment.id), RunCreate(experiment_id="0" * 32)]
        )
    with pytest.raises(InvalidInput):
        store.create_runs(
            [
                RunCreate(experiment_id=experiment.id),
                RunCreate(experiment_id=experiment.id, params={"": 1}),
            ]
        )
    page = store.search_runs(RunSearch(experiment_ids=[experiment.id], limit=1000))
    assert len(page.runs) == 50


def test_client_supplied_run_id(store: Store, experiment) -> None:
    rid = "ab" * 16
    run = store.create_run(RunCreate(experiment_id=experiment.id, id=rid))
    assert run.id == rid
    with pytest.raises(AlreadyExists) as single:
        store.create_run(RunCreate(experiment_id=experiment.id, id=rid))
    assert single.value.field == "id" and rid in single.value.message
    other = "cd" * 16
    with pytest.raises(AlreadyExists) as bulk:  # the error names which run of the request
        store.create_runs(
            [
                RunCreate(experiment_id=experiment.id, id=other),
                RunCreate(experiment_id=experiment.id, id=rid),
            ]
        )
    assert bulk.value.field == "runs.1.id"
    with pytest.raises(AlreadyExists) as twice:
        store.create_runs(
            [
                RunCreate(experiment_id=experiment.id, id=other),
                RunCreate(experiment_id=experiment.id, id=other),
            ]
        )
    assert twice.value.field == "runs.1.id" and "runs[0]" in twice.value.message
    with pytest.raises(NotFound):  # nothing of the refused requests was stored
        store.get_run(other)


def test_unknown_run(store: Store) -> None:
    for call in (
        lambda: store.get_run("0" * 32),
        lambda: store.update_run("0" * 32, RunUpdate(status=RunStatus.failed)),
        lambda: store.set_tags("0" * 32, {"a": "b"}),
        lambda: store.create_run(RunCreate(experiment_id="0" * 32)),
        lambda: store.delete_run("0" * 32),
        lambda: store.restore_run("0" * 32),
        lambda: store.delete_tag("0" * 32, "a"),
    ):
        with pytest.raises(NotFound):
            call()


def test_search_scope_and_filter_errors(store: Store, experiment) -> None:
    run = store.create_run(RunCreate(experiment_id=experiment.id, params={"C": 1.0}))
    found = store.search_runs(RunSearch(project_id=experiment.project_id, filter="params.C = 1"))
    assert [r.id for r in found.runs] == [run.id] and found.next_page_token is None
    with pytest.raises(NotFound):
        store.search_runs(RunSearch(experiment_ids=["0" * 32]))
    with pytest.raises(NotFound):
        store.search_runs(RunSearch(project_id="0" * 32))
    with pytest.raises(InvalidInput, match="experiment_ids or project_id"):
        store.search_runs(RunSearch())
    with pytest.raises(InvalidFilter) as bad:
        store.search_runs(RunSearch(experiment_ids=[experiment.id], filter="params.C >"))
    assert bad.value.position is not None
