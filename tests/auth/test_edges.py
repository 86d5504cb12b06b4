"""Authorization at the edges, through the app with authentication on: a rule whose finder finds
no project refuses (it never skips the check); references to another user's run or sweep are
answered as unknown ids are; listings hold only the readable projects; a member with too low a
role is told the role it has and the one needed."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request

from runway.api import rules
from runway_core.auth.service import AccessService
from runway_core.schemas import ExperimentCreate
from runway_core.schemas.auth import UserCreate
from runway_core.schemas.sweep import SweepCreate
from tests.auth.conftest import SWEEP_SPEC, AuthApp, World, make_world

V1 = "/api/v1"


def _own_experiment(auth_app: AuthApp) -> str:
    """An experiment of the outsider's own project (it is admin there, nothing in the world's)."""
    project = auth_app.store.get_project_by_name("outsiders-own")
    exp = auth_app.store.create_experiment(
        project.id, ExperimentCreate(name=f"e-{uuid.uuid4().hex[:8]}"), exist_ok=True
    )
    return exp.id


async def _finds_nothing(request: Request, service: AccessService) -> list[rules.Target]:
    return []


async def _finds_a_missing_thing(request: Request, service: AccessService) -> list[rules.Target]:
    return [(None, f"thing {request.path_params['thing']!r}")]


def test_a_finder_that_finds_no_project_refuses(auth_app: AuthApp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app = auth_app.app
    app.add_api_route(V1 + "/probe/nothing/{thing}", lambda thing: {"reached": thing})
    app.add_api_route(V1 + "/probe/missing/{thing}", lambda thing: {"reached": thing})
    monkeypatch.setitem(
        rules.RULES, ("GET", V1 + "/probe/nothing/{thing}"), rules.project("write", _finds_nothing)
    )
    monkeypatch.setitem(
        rules.RULES,
        ("GET", V1 + "/probe/missing/{thing}"),
        rules.project("write", _finds_a_missing_thing),
    )
    try:
        for who in ("outsider", "reader", "writer"):
            headers = auth_app.team.headers(who)
            nothing = auth_app.client.get(V1 + "/probe/nothing/x", headers=headers)
            assert nothing.status_code == 404, (who, nothing.text)
            missing = auth_app.client.get(V1 + "/probe/missing/x", headers=headers)
            assert missing.status_code == 404, (who, missing.text)
            assert missing.json()["error"]["message"] == "thing 'x' not found"
        # A server admin may do anything anywhere: the check is not about it.
        root = auth_app.client.get(V1 + "/probe/nothing/x", headers=auth_app.team.headers("root"))
        assert root.status_code == 200
    finally:
        del app.router.routes[-2:]


def _refusals(auth_app: AuthApp, send: Any, foreign: str, unknown: str) -> list[tuple[int, str]]:
    """(status, message with the id blanked) for a foreign id and an unknown one."""
    out = []
    for ref in (foreign, unknown):
        response = send(ref)
        body = response.json()
        message = body["error"]["message"] if "error" in body else body.get("message", body)
        out.append((response.status_code, str(message).replace(ref, "ID")))
    return out


def test_a_parent_run_of_another_users_project_is_an_unknown_one(auth_app: AuthApp) -> None:
    world = make_world(auth_app.store)
    exp = _own_experiment(auth_app)
    h = auth_app.team.headers("outsider")
    client = auth_app.client
    unknown = "f" * 32

    def rest(parent: str) -> Any:
        return client.post(
            V1 + "/runs", json={"experiment_id": exp, "parent_run_id": parent}, headers=h
        )

    got = _refusals(auth_app, rest, world.run_id, unknown)
    assert got == [(404, "parent run 'ID' not found")] * 2

    def writes(parent: str) -> Any:
        run_id = uuid.uuid4().hex
        start = {
            "id": run_id,
            "project": "outsiders-own",
            "experiment": "w",
            "parent_run_id": parent,
        }
        batch = [{"op": "create_run", "run_id": run_id, "run": start}]
        answer = client.post(V1 + "/writes", json={"writes": batch}, headers=h)
        assert answer.status_code == 200, answer.text
        result = answer.json()["data"][0]
        return type("R", (), {"status_code": result["status"], "json": lambda: result})

    assert (
        _refusals(auth_app, writes, world.run_id, unknown)
        == [(404, "parent run 'ID' not found")] * 2
    )

    def mlflow(parent: str) -> Any:
        tags = [{"key": "mlflow.parentRunId", "value": parent}]
        body = {"experiment_id": exp, "tags": tags}
        return client.post("/api/2.0/mlflow/runs/create", json=body, headers=h)

    got = _refusals(auth_app, mlflow, world.run_id, unknown)
    assert got[0] == got[1] and got[0][0] == 404, got
    # A parent in a project the caller may read is allowed (a child in its own project).
    reader = auth_app.team.headers("reader")
    auth_app.store.set_project_member(
        auth_app.store.get_project_by_name("outsiders-own").id, "reader", "write"
    )
    ok = client.post(
        V1 + "/runs", json={"experiment_id": exp, "parent_run_id": world.run_id}, headers=reader
    )
    assert ok.status_code == 201, ok.text


def test_a_sweep_of_another_project_is_an_unknown_one(auth_app: AuthApp) -> None:
    world = make_world(auth_app.store)
    exp = _own_experiment(auth_app)
    h = auth_app.team.headers("outsider")

    def rest(sweep: str) -> Any:
        return auth_app.client.post(
            V1 + "/runs", json={"experiment_id": exp, "sweep_id": sweep}, headers=h
        )

    got = _refusals(auth_app, rest, world.sweep_id, "f" * 32)
    assert got == [(404, "sweep 'ID' not found in the run's project")] * 2
    # Its own sweep, in its own project: fine.
    own = auth_app.store.create_sweep(SweepCreate(experiment_id=exp, spec=SWEEP_SPEC))
    assert rest(own.id).status_code == 201


def test_listings_count_only_the_readable_projects(auth_app: AuthApp) -> None:
    store = auth_app.store
    store.create_user(UserCreate(name="lister"))
    headers = {"Authorization": f"Bearer {store.create_token('lister').token}"}
    worlds: list[World] = [make_world(store) for _ in range(3)]
    store.set_project_member(worlds[1].project_id, "lister", "read")
    projects = auth_app.client.get(V1 + "/projects", headers=headers).json()
    # Besides its own: the MLflow project, which every user of a team server may read.
    assert projects["count"] == 2
    assert {p["id"] for p in projects["data"]} == {
        worlds[1].project_id,
        store.get_project_by_name("mlflow").id,
    }
    sweeps = auth_app.client.get(V1 + "/sweeps", headers=headers).json()
    assert [s["id"] for s in sweeps["data"]] == [worlds[1].sweep_id] and sweeps["count"] == 1
    found = auth_app.client.post(
        "/api/2.0/mlflow/experiments/search", json={"max_results": 1000}, headers=headers
    ).json()
    ids = [e["experiment_id"] for e in found["experiments"] if e["experiment_id"] != "0"]
    assert ids == [worlds[1].experiment_id]  # ("0" is the shared MLflow project's)


def test_a_writer_asking_for_an_admin_action_is_told_both_roles(auth_app: AuthApp) -> None:
    world = make_world(auth_app.store)
    url = f"{V1}/projects/{world.project_id}/credentials"
    answer = auth_app.client.get(url, headers=auth_app.team.headers("writer"))
    assert answer.status_code == 403
    message = answer.json()["error"]["message"]
    assert "holds the write role" in message and "needs the admin role" in message, message
    assert "may only read" not in message
    reader = auth_app.client.get(url, headers=auth_app.team.headers("reader")).json()
    assert "holds the read role" in reader["error"]["message"]


def test_the_last_project_admin_stays(auth_app: AuthApp) -> None:
    world = make_world(auth_app.store)
    h = auth_app.team.headers("padmin")
    base = f"{V1}/projects/{world.project_id}/members"
    leave = auth_app.client.delete(f"{base}/padmin", headers=h)
    assert leave.status_code == 409 and "last admin" in leave.json()["error"]["message"]
    demote = auth_app.client.put(f"{base}/padmin", json={"role": "write"}, headers=h)
    assert demote.status_code == 409
    assert (
        auth_app.client.put(f"{base}/writer", json={"role": "admin"}, headers=h).status_code == 200
    )
    assert auth_app.client.delete(f"{base}/padmin", headers=h).status_code == 204
