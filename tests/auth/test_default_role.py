"""The MLflow project's default role (``RUNWAY_MLFLOW_DEFAULT_ROLE``): what every user without a
membership holds in it; a membership a server admin gives overrides it for that user; ``none``
makes it members-only, like any other project. Nobody becomes its admin by using it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runway.api.app import create_app
from runway_core.schemas.auth import UserCreate
from runway_core.store.sql import SqlStore
from tests.auth.conftest import auth_settings
from tests.runway_core.stores import SECRET_KEY

MLFLOW = "/api/2.0/mlflow"


def _team(
    tmp_path: Path, role: str
) -> Iterator[tuple[TestClient, SqlStore, dict[str, dict[str, str]]]]:
    cfg = auth_settings(tmp_path, mlflow_default_role=role)
    store = SqlStore(cfg.backend_uri, artifacts_uri=cfg.artifacts_uri, secret_key=SECRET_KEY)
    headers = {}
    for name in ("bob", "alice"):
        store.create_user(UserCreate(name=name))
        headers[name] = {"Authorization": f"Bearer {store.create_token(name).token}"}
    with TestClient(create_app(cfg, store=store)) as client:
        yield client, store, headers
    store.close()


@pytest.fixture
def writers(tmp_path: Path) -> Iterator[tuple[TestClient, SqlStore, dict[str, dict[str, str]]]]:
    yield from _team(tmp_path, "write")


@pytest.fixture
def nobody(tmp_path: Path) -> Iterator[tuple[TestClient, SqlStore, dict[str, dict[str, str]]]]:
    yield from _team(tmp_path, "none")


def test_a_membership_overrides_the_default_role(writers) -> None:  # type: ignore[no-untyped-def]
    client, store, h = writers
    made = client.post(f"{MLFLOW}/experiments/create", json={"name": "e"}, headers=h["alice"])
    assert made.status_code == 200, made.text
    project = store.get_project_by_name("mlflow")
    assert store.list_project_members(project.id) == []  # used, not taken
    store.set_project_member(project.id, "bob", "read")
    run = client.post(
        f"{MLFLOW}/runs/create",
        json={"experiment_id": made.json()["experiment_id"]},
        headers=h["bob"],
    )
    assert run.status_code == 403 and "PERMISSION_DENIED" in run.text, run.text
    mine = client.post(
        f"{MLFLOW}/runs/create",
        json={"experiment_id": made.json()["experiment_id"]},
        headers=h["alice"],
    )
    assert mine.status_code == 200, mine.text
    # Write, not admin: members and credentials stay the server admins' business.
    grab = client.put(
        f"/api/v1/projects/{project.id}/members/alice", json={"role": "admin"}, headers=h["alice"]
    )
    assert grab.status_code == 403


def test_default_role_none_makes_it_members_only(nobody) -> None:  # type: ignore[no-untyped-def]
    client, store, h = nobody
    listed = client.get("/api/v1/projects", headers=h["bob"]).json()["data"]
    assert listed == []
    search = client.get(f"{MLFLOW}/experiments/search", headers=h["bob"])
    assert search.status_code == 200 and search.json()["experiments"] == []
    made = client.post(f"{MLFLOW}/experiments/create", json={"name": "e"}, headers=h["bob"])
    assert "no role in it" in made.text, made.text
    project = store.get_project_by_name("mlflow")
    assert store.list_project_members(project.id) == []
    store.set_project_member(project.id, "bob", "write")
    made = client.post(f"{MLFLOW}/experiments/create", json={"name": "e"}, headers=h["bob"])
    assert made.status_code == 200, made.text
