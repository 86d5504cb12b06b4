"""Roles through the REST API: whoever creates a project (directly, by get-or-create of a run,
or by a batch of writes) is its admin and grants roles; the roles then decide."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runway.api.app import create_app
from runway_core.schemas.auth import UserCreate
from runway_core.store.sql import SqlStore
from tests.auth.conftest import auth_settings
from tests.runway_core.stores import SECRET_KEY


@pytest.fixture
def people(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    cfg = auth_settings(tmp_path)
    store = SqlStore(cfg.backend_uri, artifacts_uri=cfg.artifacts_uri, secret_key=SECRET_KEY)
    headers = {}
    for name in ("bob", "alice"):
        store.create_user(UserCreate(name=name))
        headers[name] = {"Authorization": f"Bearer {store.create_token(name).token}"}
    with TestClient(create_app(cfg, store=store)) as client:
        yield client, headers
    store.close()


def test_the_creator_is_admin_and_grants_roles(people) -> None:  # type: ignore[no-untyped-def]
    client, h = people
    made = client.post("/api/v1/projects", json={"name": "bobs"}, headers=h["bob"])
    assert made.status_code == 201
    pid = made.json()["id"]
    members = client.get(f"/api/v1/projects/{pid}/members", headers=h["bob"]).json()["data"]
    assert [(m["user"], m["role"]) for m in members] == [("bob", "admin")]
    assert client.get(f"/api/v1/projects/{pid}", headers=h["alice"]).status_code == 404
    # Alice cannot grant herself anything, nor claim the project by its name.
    grab = client.put(f"/api/v1/projects/{pid}/members/alice", json={"role": "admin"},
                      headers=h["alice"])  # fmt: skip
    assert grab.status_code == 404
    again = client.post("/api/v1/projects?exist_ok=true", json={"name": "bobs"}, headers=h["alice"])
    assert again.status_code == 409
    granted = client.put(f"/api/v1/projects/{pid}/members/alice", json={"role": "read"},
                         headers=h["bob"])  # fmt: skip
    assert granted.status_code == 200 and granted.json()["role"] == "read"
    assert client.get(f"/api/v1/projects/{pid}", headers=h["alice"]).status_code == 200
    mine = client.post("/api/v1/projects?exist_ok=true", json={"name": "bobs"}, headers=h["alice"])
    assert mine.status_code == 201 and mine.json()["id"] == pid
    patch = client.patch(f"/api/v1/projects/{pid}", json={"description": "x"}, headers=h["alice"])
    assert patch.status_code == 403 and "read" in patch.json()["error"]["message"]
    bad_role = client.put(f"/api/v1/projects/{pid}/members/alice", json={"role": "owner"},
                          headers=h["bob"])  # fmt: skip
    assert bad_role.status_code == 400 and bad_role.json()["error"]["field"] == "role"
    gone = client.delete(f"/api/v1/projects/{pid}/members/alice", headers=h["bob"])
    assert gone.status_code == 204
    assert client.get(f"/api/v1/projects/{pid}", headers=h["alice"]).status_code == 404


def test_projects_made_by_run_writes_belong_to_their_creator(people) -> None:  # type: ignore[no-untyped-def]
    client, h = people
    run_id = uuid.uuid4().hex
    ensured = client.post(
        "/api/v1/runs/ensure",
        json={"id": run_id, "project": "by-ensure", "experiment": "e"},
        headers=h["alice"],
    )
    assert ensured.status_code == 200
    batch = {
        "writes": [
            {
                "op": "create_run",
                "run_id": "cd" * 16,
                "run": {"id": "cd" * 16, "project": "by-writes", "experiment": "e"},
            },
            {"op": "tags", "run_id": "cd" * 16, "tags": {"k": "v"}},
        ]
    }
    written = client.post("/api/v1/writes", json=batch, headers=h["bob"])
    assert written.status_code == 200
    assert all(r["status"] < 300 for r in written.json()["data"]), written.text
    alice_sees = client.get("/api/v1/projects", headers=h["alice"]).json()["data"]
    bob_sees = client.get("/api/v1/projects", headers=h["bob"]).json()["data"]
    shared = "mlflow"  # the MLflow project, every user's by default
    assert [p["name"] for p in alice_sees if p["name"] != shared] == ["by-ensure"]
    assert [p["name"] for p in bob_sees if p["name"] != shared] == ["by-writes"]
    # Bob cannot write into alice's run, even by naming his own project.
    sneaky = client.post(
        "/api/v1/runs/ensure",
        json={"id": run_id, "project": "by-writes", "experiment": "e"},
        headers=h["bob"],
    )
    assert sneaky.status_code == 404
