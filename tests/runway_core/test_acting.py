"""The SQL store acting for a server's caller (``runway_core.store.sql.acting``), on SQLite and
PostgreSQL: listings selected in SQL, a created project's first admin in the same transaction,
writes into a project by name checked in the write's own transaction, references to runs the
caller may not read refused as unknown ones are."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from runway_core.errors import AlreadyExists, Forbidden, NotFound
from runway_core.schemas import ExperimentCreate, ProjectCreate, RunCreate, RunSearch
from runway_core.schemas.auth import UserCreate
from runway_core.schemas.sweep import SweepCreate
from runway_core.schemas.writes import CreateRunWrite, RunStart
from runway_core.store.sql import SqlStore
from runway_core.store.sql.acting import acting_as
from tests.runway_core.stores import SECRET_KEY

SPEC = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "min"},
    "parameters": {"i": {"values": [1]}},
}


@pytest.fixture(params=["sqlite", "postgres"])
def sql(request: pytest.FixtureRequest, tmp_path: Path) -> SqlStore:
    uri = request.getfixturevalue("sqlite_uri" if request.param == "sqlite" else "pg_uri")
    store = SqlStore(uri, artifacts_uri=str(tmp_path / "artifacts"), secret_key=SECRET_KEY)
    request.addfinalizer(store.close)
    return store


def _user(store: SqlStore, name: str, admin: bool = False) -> str:
    return store.create_user(UserCreate(name=name, admin=admin)).id


def _start(project: str) -> RunStart:
    return RunStart(id=uuid.uuid4().hex, project=project, experiment="e")


def _create(project: str) -> CreateRunWrite:
    start = _start(project)
    return CreateRunWrite(run_id=start.id, run=start)


def test_listings_hold_only_the_projects_the_caller_may_read(sql: SqlStore) -> None:
    ada, root = _user(sql, "ada"), _user(sql, "root", admin=True)
    projects = [sql.create_project(ProjectCreate(name=f"p{i}")) for i in range(3)]
    for p in projects:
        exp = sql.create_experiment(p.id, ExperimentCreate(name="e"))
        sql.create_sweep(SweepCreate(experiment_id=exp.id, spec=SPEC))
    sql.set_project_member(projects[1].id, "ada", "read")
    with acting_as(ada, "ada"):
        assert [p.name for p in sql.list_projects()] == ["p1"]
        assert [p.name for p in sql.list_projects(search="p")] == ["p1"]
        assert [s.project_id for s in sql.list_sweeps()] == [projects[1].id]
        assert sql.list_sweeps(project_id=projects[0].id) == []
    with acting_as(root, "root", admin=True):
        assert len(sql.list_projects()) == 3 and len(sql.list_sweeps()) == 3
    assert len(sql.list_projects()) == 3  # outside: the embedded store sees everything


def test_a_created_project_is_its_creators_and_others_are_refused_in_it(sql: SqlStore) -> None:
    ada, bob = _user(sql, "ada"), _user(sql, "bob")
    with acting_as(ada, "ada"):
        made = sql.create_project(ProjectCreate(name="mine"))
        sql.ensure_run(_start("new-by-run"))
    assert [(m.user, m.role) for m in sql.list_project_members(made.id)] == [("ada", "admin")]
    by_run = sql.get_project_by_name("new-by-run").id
    assert [(m.user, m.role) for m in sql.list_project_members(by_run)] == [("ada", "admin")]
    taken = "project 'mine' exists and you have no role in it"
    with acting_as(bob, "bob"), pytest.raises(AlreadyExists, match=taken):
        sql.ensure_run(_start("mine"))
    sql.set_project_member(made.id, "bob", "read")
    with acting_as(bob, "bob"), pytest.raises(Forbidden, match="holds the read role"):
        # The whole batch is refused (a write of it could not be made), nothing applied.
        sql.apply_writes([_create("bobs-new"), _create("mine")])
    assert sql.search_runs(RunSearch(project_id=made.id)).runs == []
    with pytest.raises(NotFound):
        sql.get_project_by_name("bobs-new")


def test_a_parent_run_the_caller_may_not_read_is_an_unknown_one(sql: SqlStore) -> None:
    bob = _user(sql, "bob")
    theirs = sql.create_project(ProjectCreate(name="theirs"))
    exp = sql.create_experiment(theirs.id, ExperimentCreate(name="e"))
    parent = sql.create_run(RunCreate(experiment_id=exp.id))
    with acting_as(bob, "bob"):
        sql.ensure_run(_start("bobs"))
        own = sql.get_experiment_by_name(sql.get_project_by_name("bobs").id, "e")
        messages = []
        for parent_id in (parent.id, "f" * 32):
            with pytest.raises(NotFound) as refused:
                sql.create_run(RunCreate(experiment_id=own.id, parent_run_id=parent_id))
            messages.append(str(refused.value).replace(parent_id, "ID"))
        assert messages == ["parent run 'ID' not found"] * 2
    sql.set_project_member(theirs.id, "bob", "read")  # a parent it may read: allowed
    with acting_as(bob, "bob"):
        child = sql.create_run(RunCreate(experiment_id=own.id, parent_run_id=parent.id))
    assert child.parent_run_id == parent.id
