"""A sub-application mounted on the app (as the MLflow-compatible routes may be) passes the same
check: its routes are found in the rule table by their full path, the caller by the same token."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

from runway.api import rules
from runway.api.access import readable_project_ids
from runway.api.authorize import authorize
from runway.api.errors import install_error_handlers
from tests.auth.conftest import AuthApp, make_world


def test_a_mounted_app_obeys_the_rules(auth_app: AuthApp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    sub = FastAPI(dependencies=[Depends(authorize)])
    install_error_handlers(sub)  # as any sub-application answers errors in its own shape

    @sub.get("/projects/{project_id}/thing")
    def thing(project_id: str) -> dict[str, str]:
        return {"project_id": project_id}

    @sub.get("/mine")
    def mine(request: Request) -> dict[str, int]:
        return {"count": len(readable_project_ids(request) or ())}

    monkeypatch.setitem(rules.RULES, ("GET", "/ext/projects/{project_id}/thing"), rules.READ)
    monkeypatch.setitem(rules.RULES, ("GET", "/ext/mine"), rules.USER)
    auth_app.app.mount("/ext", sub)
    try:
        world = make_world(auth_app.store)
        client = TestClient(auth_app.app)
        url = f"/ext/projects/{world.project_id}/thing"
        got = {
            who: client.get(url, headers=auth_app.team.headers(who)).status_code
            for who in ("none", "revoked", "reader", "outsider", "root")
        }
        assert got == {"none": 401, "revoked": 401, "reader": 200, "outsider": 404, "root": 200}
        mine = client.get("/ext/mine", headers=auth_app.team.headers("outsider"))
        assert mine.json() == {"count": 2}  # its own project and the shared MLflow project
    finally:
        auth_app.app.router.routes.pop()  # the mount, added last
