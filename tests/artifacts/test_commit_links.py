"""A run's git commit as a link to its web page, in the REST answer and in `runway.Client`."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runway import Client
from runway.api.app import create_app
from runway_core.config import Settings
from runway_core.schemas import ExperimentCreate, ProjectCreate, RunCreate
from runway_core.store.http import HttpStore
from runway_core.store.sql import SqlStore

API = "/api/v1"
COMMIT = "3f2a9c1d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"


@pytest.mark.parametrize(
    ("remote", "url"),
    [
        ("git@github.com:acme/train.git", f"https://github.com/acme/train/commit/{COMMIT}"),
        ("/srv/git/train", None),  # no web page to link to
        (None, None),
    ],
)
def test_git_url_in_rest_and_client(
    remote: str | None, url: str | None, sqlite_uri: str, tmp_path: Path
) -> None:
    settings = Settings(backend_uri=sqlite_uri, artifacts_uri=str(tmp_path / "a"))
    with TestClient(create_app(settings)) as http:
        pid = http.post(f"{API}/projects", json={"name": "p"}).json()["id"]
        exp = http.post(f"{API}/projects/{pid}/experiments", json={"name": "e"}).json()["id"]
        created = http.post(
            f"{API}/runs",
            json={"experiment_id": exp, "git_remote": remote, "git_commit": COMMIT},
        )
        assert created.status_code == 201, created.text
        run_id = created.json()["id"]
        assert created.json()["git_url"] == url
        assert http.get(f"{API}/runs/{run_id}").json()["git_url"] == url
        # The dashboard reads through Client, over HTTP or straight from the database.
        over_http = Client(store=HttpStore(str(http.base_url), client=http))
        assert over_http.get_run(run_id).git_url == url
    direct = Client(store=SqlStore(sqlite_uri))
    assert direct.get_run(run_id).git_url == url
    direct.store.close()


def test_git_url_is_derived_not_accepted_as_input(sqlite_uri: str) -> None:
    store = SqlStore(sqlite_uri)
    exp = store.create_experiment(
        store.create_project(ProjectCreate(name="p")).id, ExperimentCreate(name="e")
    )
    run = store.create_run(
        RunCreate.model_validate(
            {"experiment_id": exp.id, "git_commit": COMMIT, "git_url": "https://evil.example/"}
        )
    )
    assert run.git_url is None  # no remote recorded, so no link, whatever the client sent
    store.close()
