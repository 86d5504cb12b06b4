"""A user with access to project A, searching everything it can reach through /api/v1, the MLflow
routes, sweeps and artifact downloads, sees nothing of project B: not in lists, searches,
histories, artifacts, diffs, archives, credentials, goals, members or sweeps, and cannot write
into it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from runway_core.schemas.sweep import SweepCreate
from runway_core.store.http import HttpStore
from runway_core.store.sql import SqlStore
from tests.auth.conftest import auth_settings
from tests.runway_core.stores import SECRET_KEY

B_MARKERS = (
    "project-bravo",
    "exp-bravo",
    "bravo-secret-bytes",
    "bravo-param",
    "bravo-tag",
    "bravo-sweep",
)
SWEEP_SPEC = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "min"},
    "parameters": {"i": {"values": [1, 2]}},
}


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
    # The sweep in an experiment of its own: its trials are runs, kept out of the searches above.
    tuning = store.create_experiment(project.id, ExperimentCreate(name=f"{word}-sweeps"))
    sweep = store.create_sweep(
        SweepCreate(experiment_id=tuning.id, spec=SWEEP_SPEC, name=f"{word}-sweep")
    )
    trial = store.claim_next_trial(sweep.id, f"{word}-worker")
    assert trial is not None
    return {
        "project": project.id,
        "experiment": experiment.id,
        "run": run.id,
        "name": name,
        "sweep": sweep.id,
        "sweep_experiment": tuning.id,
        "trial": trial.run_id,
    }


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
    # Besides A, only the shared MLflow project, which every user may use (by default).
    assert sorted(p["name"] for p in projects.json()["data"]) == ["mlflow", "project-alpha"]
    for query in ("", "?search=project", "?search=bravo"):
        _clean(c.get(f"/api/v1/projects{query}", headers=h).text)
    found = c.post("/api/v1/runs/search", json={"project_id": a["project"]}, headers=h)
    runs = found.json()["runs"]  # A's run and its sweep's trials
    assert {r["project_id"] for r in runs} == {a["project"]}
    assert [r["id"] for r in runs if r["experiment_id"] == a["experiment"]] == [a["run"]]
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
        ("POST", "/api/v1/runs", {"experiment_id": b["experiment"]}),
        ("POST", "/api/v1/runs/bulk", {"runs": [{"experiment_id": b["experiment"]}]}),
        ("POST", f"/api/v1/runs/{run}/tags", {"tags": {"x": "1"}}),
        ("PUT", f"/api/v1/projects/{b['project']}/members/alice", {"role": "admin"}),
    ]
    for method, url, body in attempts:
        response = c.request(method, url, json=body, headers=h)
        assert response.status_code == 404, (method, url, response.text)
        _clean(response.text, sent=str(body))
    # Names are server-wide: logging into B by its name is told the name is taken, no more.
    ensure = {"id": "ab" * 16, "project": b["name"], "experiment": "e"}
    response = c.post("/api/v1/runs/ensure", json=ensure, headers=h)
    assert response.status_code == 409 and "no role in it" in response.text, response.text
    _clean(response.text, sent=str(ensure))
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
    assert sorted(p.name for p in store.list_projects()) == ["mlflow", "project-alpha"]
    anonymous = HttpStore("http://testserver", client=setup.client, token="")
    from runway_core.errors import Unauthorized

    with pytest.raises(Unauthorized, match="API token"):
        anonymous.list_projects()


MLFLOW = "/api/2.0/mlflow"
ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"


def test_mlflow_searches_hold_only_project_a(setup: Setup) -> None:
    c, h, a, b = setup.client, setup.alice, setup.a, setup.b
    for prefix in (MLFLOW, "/ajax-api/2.0/mlflow"):
        listed = c.get(f"{prefix}/experiments/search", params={"max_results": 1000}, headers=h)
        posted = c.post(f"{prefix}/experiments/search", json={"view_type": "ALL"}, headers=h)
        for response in (listed, posted):
            assert response.status_code == 200, response.text
            ids = [e["experiment_id"] for e in response.json()["experiments"]]
            assert a["experiment"] in ids and b["experiment"] not in ids
            _clean(response.text)
    found = c.post(f"{MLFLOW}/runs/search", json={"experiment_ids": [a["experiment"]]}, headers=h)
    assert [r["info"]["run_id"] for r in found.json()["runs"]] == [a["run"]], found.text
    _clean(found.text)
    nothing = c.post(f"{MLFLOW}/runs/search", json={}, headers=h)
    assert nothing.json() == {"runs": []}
    history = c.get(
        f"{MLFLOW}/metrics/get-history",
        params={"run_id": a["run"], "metric_key": "loss"},
        headers=h,
    )
    assert [p["value"] for p in history.json()["metrics"]] == [1.0]
    listing = c.get(f"{MLFLOW}/artifacts/list", params={"run_id": a["run"]}, headers=h)
    assert {f["path"] for f in listing.json()["files"]} == {"bundle.zip", "notes.txt"}
    for response in (history, listing):
        _clean(response.text)


def test_every_mlflow_read_of_project_b_is_not_found(setup: Setup) -> None:
    c, h, a, b = setup.client, setup.alice, setup.a, setup.b
    run, exp = b["run"], b["experiment"]
    in_b = f"{exp}/{run}/artifacts"
    gets: list[tuple[str, dict[str, Any]]] = [
        (f"{MLFLOW}/experiments/get", {"experiment_id": exp}),
        (f"{MLFLOW}/experiments/get-by-name", {"experiment_name": "exp-bravo"}),
        (f"{MLFLOW}/runs/get", {"run_id": run}),
        (f"{MLFLOW}/runs/get", {"run_uuid": run}),
        (f"{MLFLOW}/metrics/get-history", {"run_id": run, "metric_key": "loss"}),
        (f"{MLFLOW}/metrics/get-history", {"run_uuid": run, "metric_key": "loss"}),
        (
            f"{MLFLOW}/metrics/get-history-bulk-interval",
            {"run_ids": [a["run"], run], "metric_key": "loss"},
        ),
        (f"{MLFLOW}/artifacts/list", {"run_id": run}),
        (f"{MLFLOW}/artifacts/list", {"run_uuid": run, "path": "bundle.zip"}),
        (ARTIFACTS, {"path": in_b}),
        (f"{ARTIFACTS}/{in_b}/notes.txt", {}),
        (f"{ARTIFACTS}/{in_b}/bundle.zip", {}),
        (f"/ajax-api/2.0/mlflow-artifacts/artifacts/{in_b}/notes.txt", {}),
    ]
    for url, params in gets:
        response = c.get(url, params=params, headers=h)
        assert response.status_code == 404, (url, params, response.status_code, response.text)
        _clean(response.text, sent=f"{url} {params}")
    for body in ({"experiment_ids": [exp]}, {"experiment_ids": [a["experiment"], exp]}):
        response = c.post(f"{MLFLOW}/runs/search", json=body, headers=h)
        assert response.status_code == 404, (body, response.text)
        _clean(response.text)


def test_no_mlflow_write_reaches_project_b(setup: Setup) -> None:
    c, h, b = setup.client, setup.alice, setup.b
    run, exp = b["run"], b["experiment"]
    into_b = {"name": "mine", "tags": [{"key": "runway.project", "value": b["name"]}]}
    taken = c.post(f"{MLFLOW}/experiments/create", json=into_b, headers=h)
    assert taken.json()["error_code"] == "RESOURCE_ALREADY_EXISTS", taken.text
    assert "no role in it" in taken.text
    _clean(taken.text, sent=str(into_b))
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("experiments/update", {"experiment_id": exp, "new_name": "renamed"}),
        ("experiments/delete", {"experiment_id": exp}),
        ("experiments/set-experiment-tag", {"experiment_id": exp, "key": "x", "value": "1"}),
        ("runs/create", {"experiment_id": exp}),
        ("runs/set-tag", {"run_id": run, "key": "x", "value": "1"}),
        ("runs/log-metric", {"run_uuid": run, "key": "x", "value": 1, "timestamp": 1}),
        ("runs/log-batch", {"run_id": run, "params": [{"key": "x", "value": "1"}]}),
        ("runs/update", {"run_id": run, "status": "KILLED"}),
        ("runs/delete", {"run_id": run}),
    ]
    for path, body in attempts:
        response = c.post(f"{MLFLOW}/{path}", json=body, headers=h)
        assert response.status_code == 404, (path, response.text)
        _clean(response.text, sent=str(body))
    upload = c.put(f"{ARTIFACTS}/{exp}/{run}/artifacts/evil.txt", content=b"x", headers=h)
    assert upload.status_code == 404, upload.text
    root = setup.client.app.state.store  # type: ignore[attr-defined]
    after = root.get_run(run)
    assert "x" not in after.tags and "x" not in after.params and after.deleted_at is None
    assert [x.path for x in root.list_artifacts(run)] == ["bundle.zip", "notes.txt"]
    assert [e.name for e in root.list_experiments(b["project"])] == ["exp-bravo", "bravo-sweeps"]


def test_sweeps_hold_only_project_a(setup: Setup) -> None:
    c, h, a, b = setup.client, setup.alice, setup.a, setup.b
    listed = c.get("/api/v1/sweeps", headers=h)
    assert [s["id"] for s in listed.json()["data"]] == [a["sweep"]], listed.text
    _clean(listed.text)
    mine = c.get("/api/v1/sweeps", params={"experiment_id": a["sweep_experiment"]}, headers=h)
    assert [s["id"] for s in mine.json()["data"]] == [a["sweep"]]
    sweep, trial = b["sweep"], b["trial"]
    reads = [
        ("/api/v1/sweeps", {"project_id": b["project"]}),
        ("/api/v1/sweeps", {"experiment_id": b["sweep_experiment"]}),
        (f"/api/v1/sweeps/{sweep}", {}),
        (f"/api/v1/sweeps/{sweep}/best", {}),
        (f"/api/v1/sweeps/{sweep}/trials", {}),
    ]
    for url, params in reads:
        response = c.get(url, params=params, headers=h)
        assert response.status_code == 404, (url, params, response.text)
        _clean(response.text, sent=f"{url} {params}")
    writes: list[tuple[str, str, dict[str, Any], dict[str, str]]] = [
        ("POST", "/api/v1/sweeps", {"experiment_id": b["experiment"], "spec": SWEEP_SPEC}, {}),
        ("POST", f"/api/v1/sweeps/{sweep}/claim", {"worker": "thief"}, {}),
        ("POST", f"/api/v1/sweeps/{sweep}/requeue", {}, {"timeout": "1"}),
        ("PUT", f"/api/v1/sweeps/{sweep}/status", {"status": "stopped"}, {}),
        ("POST", f"/api/v1/trials/{trial}/heartbeat", {"worker": "bravo-worker"}, {}),
        ("POST", f"/api/v1/trials/{trial}/stop", {"reason": "mine now"}, {}),
        ("POST", f"/api/v1/trials/{trial}/launched", {"launched": "x"}, {}),
    ]
    for method, url, body, params in writes:
        response = c.request(method, url, json=body, params=params, headers=h)
        assert response.status_code == 404, (method, url, response.text)
        _clean(response.text, sent=f"{url} {body}")
    root = setup.client.app.state.store  # type: ignore[attr-defined]
    assert root.get_sweep(sweep).state == "running"
    assert [t.worker for t in root.list_trials(sweep) if t.worker] == ["bravo-worker"]


def test_a_project_created_through_mlflow_makes_its_creator_admin(setup: Setup) -> None:
    """As through /api/v1: the MLflow client's first experiment in a new project (its
    ``runway.project`` tag) makes the caller that project's admin, so it can use it at once."""
    created = setup.client.post(
        "/api/2.0/mlflow/experiments/create",
        headers=setup.alice,
        json={"name": "charlie-exp", "tags": [{"key": "runway.project", "value": "charlie"}]},
    )
    assert created.status_code == 200, created.text
    exp_id = created.json()["experiment_id"]
    got = setup.client.get(
        "/api/2.0/mlflow/experiments/get", headers=setup.alice, params={"experiment_id": exp_id}
    )
    assert got.status_code == 200, got.text
    project = setup.client.get("/api/v1/projects/by-name/charlie", headers=setup.alice)
    assert project.status_code == 200, project.text
    members = setup.client.get(
        f"/api/v1/projects/{project.json()['id']}/members", headers=setup.alice
    )
    assert members.status_code == 200, members.text
    assert [(m["user"], m["role"]) for m in members.json()["data"]] == [("alice", "admin")]
