"""A user with access to project A, searching everything it can reach through /api/v1 (and
artifact downloads), sees nothing of project B: not in lists, searches, histories, artifacts,
diffs, archives, credentials, goals or members, and cannot write into it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runway.api.app import create_app
from runway_core.schemas import (
    CredentialCreate,
    ExperimentCreate,
    MetricBatch,
    ProjectCreate,
    RunCreate,
)
from runway_core.schemas.auth import UserCreate
from runway_core.store.http import HttpStore
from runway_core.store.sql import SqlStore
from tests.auth.conftest import auth_settings
from tests.runway_core.stores import SECRET_KEY

B_MARKERS = ("project-bravo", "exp-bravo", "bravo-secret-bytes", "bravo-param", "bravo-tag")


@dataclass
class Setup:
    client: TestClient
    alice: dict[str, str]
    a: dict[str, str]
    b: dict[str, str]
    alice_token: str


def _fill(store: SqlStore, owner: str, name: str, exp: str, word: str) -> dict[str, str]:
    project = store.create_project(ProjectCreate(name=name, primary_metric="loss"))
    store.set_project_member(project.id, owner, "admin")
    experiment = store.create_experiment(project.id, ExperimentCreate(name=exp))
    run = store.create_run(
        RunCreate(
            experiment_id=experiment.id,
            name=f"{word}-run",
            params={f"{word}-param": 1},
            tags={f"{word}-tag": "x"},
        )
    )
    store.log_metrics(run.id, MetricBatch.model_validate({"metrics": {"loss": {"values": [1.0]}}}))
    store.log_artifact(run.id, "notes.txt", io.BytesIO(f"{word}-secret-bytes\n".encode()))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("inner.txt", f"{word}-secret-bytes")
    archive.seek(0)
    store.log_artifact(run.id, "bundle.zip", archive, kind="archive")
    store.create_credential(
        project.id, CredentialCreate(name=f"{word}-cred", kind="generic", secrets={"k": "v"})
    )
    store.set_metric_goal(project.id, "loss", "min")
    return {"project": project.id, "experiment": experiment.id, "run": run.id, "name": name}


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    settings = auth_settings(tmp_path)
    store = SqlStore(
        settings.backend_uri, artifacts_uri=settings.artifacts_uri, secret_key=SECRET_KEY
    )
    store.create_user(UserCreate(name="alice"))
    store.create_user(UserCreate(name="bob"))
    token = store.create_token("alice").token
    a = _fill(store, "alice", "project-alpha", "exp-alpha", "alpha")
    b = _fill(store, "bob", "project-bravo", "exp-bravo", "bravo")
    with TestClient(create_app(settings, store=store)) as client:
        yield Setup(client, {"Authorization": f"Bearer {token}"}, a, b, token)
    store.close()


def _clean(text: str, sent: str = "") -> None:
    """No marker of B in ``text`` except one the request itself ``sent`` (said back to it)."""
    leaked = [m for m in B_MARKERS if m in text and m not in sent]
    assert leaked == [], f"project B leaked: {leaked} in {text[:300]}"


def test_lists_and_searches_hold_only_project_a(setup: Setup) -> None:
    c, h, a = setup.client, setup.alice, setup.a
    projects = c.get("/api/v1/projects", headers=h)
    assert [p["name"] for p in projects.json()["data"]] == ["project-alpha"]
    for query in ("", "?search=project", "?search=bravo"):
        _clean(c.get(f"/api/v1/projects{query}", headers=h).text)
    found = c.post("/api/v1/runs/search", json={"project_id": a["project"]}, headers=h)
    assert [r["id"] for r in found.json()["runs"]] == [a["run"]]
    listed = c.get("/api/v1/runs", params={"experiment_id": a["experiment"]}, headers=h)
    assert [r["id"] for r in listed.json()["runs"]] == [a["run"]]
    for response in (projects, found, listed):
        _clean(response.text)


def test_every_read_of_project_b_is_not_found(setup: Setup) -> None:
    c, h, a, b = setup.client, setup.alice, setup.a, setup.b
    run, pid, exp = b["run"], b["project"], b["experiment"]
    reads = [
        f"/api/v1/projects/{pid}",
        "/api/v1/projects/by-name/project-bravo",
        f"/api/v1/projects/{pid}/experiments",
        f"/api/v1/projects/{pid}/experiments/by-name/exp-bravo",
        f"/api/v1/projects/{pid}/credentials",
        f"/api/v1/projects/{pid}/metric-goals",
        f"/api/v1/projects/{pid}/members",
        f"/api/v1/experiments/{exp}",
        f"/api/v1/runs/{run}",
        f"/api/v1/runs/{run}/metrics/loss",
        f"/api/v1/runs/{run}/artifacts",
        f"/api/v1/runs/{run}/artifacts/notes.txt",
        f"/api/v1/runs/{run}/artifact-info/notes.txt",
        f"/api/v1/runs/{run}/preview/notes.txt",
        f"/api/v1/runs/{run}/archive/bundle.zip",
        f"/api/v1/runs/{run}/archive/bundle.zip?member=inner.txt",
        f"/api/v1/runs?project_id={pid}",
        f"/api/v1/runs?experiment_id={exp}",
        f"/api/v1/runs?experiment_id={a['experiment']}&experiment_id={exp}",
        f"/api/v1/artifacts/diff?run_a={a['run']}&path_a=notes.txt&run_b={run}",
        f"/api/v1/artifacts/diff?run_a={run}&path_a=notes.txt&run_b={a['run']}",
    ]
    for url in reads:
        response = c.get(url, headers=h)
        assert response.status_code == 404, (url, response.status_code, response.text)
        _clean(response.text, sent=url)
    searches = [
        {"project_id": pid},
        {"experiment_ids": [exp]},
        {"experiment_ids": [a["experiment"], exp]},
        {"project_id": a["project"], "experiment_ids": [exp]},
    ]
    for body in searches:
        response = c.post("/api/v1/runs/search", json=body, headers=h)
        assert response.status_code == 404, (body, response.text)
        _clean(response.text)


def test_no_write_reaches_project_b(setup: Setup) -> None:
    c, h, b = setup.client, setup.alice, setup.b
    run = b["run"]
    attempts = [
        ("POST", "/api/v1/writes", {"writes": [{"op": "tags", "run_id": run, "tags": {"x": "1"}}]}),
        (
            "POST",
            "/api/v1/writes",
            {
                "writes": [
                    {
                        "op": "create_run",
                        "run_id": run,
                        "run": {"id": run, "project": "mine", "experiment": "e"},
                    }
                ]
            },
        ),
        ("POST", "/api/v1/runs/ensure", {"id": run, "project": "mine", "experiment": "e"}),
        ("POST", "/api/v1/runs/ensure", {"id": "ab" * 16, "project": b["name"], "experiment": "e"}),
        ("POST", "/api/v1/runs", {"experiment_id": b["experiment"]}),
        ("POST", "/api/v1/runs/bulk", {"runs": [{"experiment_id": b["experiment"]}]}),
        ("POST", f"/api/v1/runs/{run}/tags", {"tags": {"x": "1"}}),
        ("PUT", f"/api/v1/projects/{b['project']}/members/alice", {"role": "admin"}),
    ]
    for method, url, body in attempts:
        response = c.request(method, url, json=body, headers=h)
        assert response.status_code == 404, (method, url, response.text)
        _clean(response.text, sent=str(body))
    # Creating a project of B's name does not hand it over either.
    taken = c.post("/api/v1/projects?exist_ok=true", json={"name": b["name"]}, headers=h)
    assert taken.status_code == 409
    _clean(taken.text, sent=b["name"])
    upload = c.put(f"/api/v1/runs/{run}/artifacts/evil.txt", content=b"x", headers=h)
    assert upload.status_code == 404
    # B is unchanged: no new tag, member, run or artifact.
    root = setup.client.app.state.store  # type: ignore[attr-defined]
    assert "x" not in root.get_run(run).tags
    assert [m.user for m in root.list_project_members(b["project"])] == ["bob"]
    assert [x.path for x in root.list_artifacts(run)] == ["bundle.zip", "notes.txt"]


def test_the_http_client_with_a_token_sees_only_project_a(setup: Setup) -> None:
    store = HttpStore("http://testserver", client=setup.client, token=setup.alice_token)
    assert [p.name for p in store.list_projects()] == ["project-alpha"]
    anonymous = HttpStore("http://testserver", client=setup.client, token="")
    from runway_core.errors import Unauthorized

    with pytest.raises(Unauthorized, match="API token"):
        anonymous.list_projects()
