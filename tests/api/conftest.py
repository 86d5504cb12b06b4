"""A fresh app over its own SQLite database per test, reached through TestClient or HttpStore."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from runway.api.app import create_app
from runway_core.config import Settings
from runway_core.store.http import HttpStore

API = "/api/v1"
# Lines the schemathesis test leaves for the end of the run (its case counts), shown with or
# without -s.
FUZZ_SUMMARY = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    for line in config.stash.get(FUZZ_SUMMARY, []):
        terminalreporter.write_line(line)


@pytest.fixture
def settings(sqlite_uri: str, tmp_path: Path) -> Settings:
    return Settings(backend_uri=sqlite_uri, artifacts_uri=str(tmp_path / "a"))


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def http_store(client: TestClient) -> HttpStore:
    return HttpStore("http://testserver", client=client)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def error(response: Any, status: int) -> dict[str, Any]:
    """The error object of a response, checked to have the API's one error shape."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]


@pytest.fixture
def project(client: TestClient) -> dict[str, Any]:
    return ok(client.post(f"{API}/projects", json={"name": "sentiment"}), 201)


@pytest.fixture
def experiment(client: TestClient, project: dict[str, Any]) -> dict[str, Any]:
    url = f"{API}/projects/{project['id']}/experiments"
    return ok(client.post(url, json={"name": "linear svm"}), 201)


@pytest.fixture
def run(client: TestClient, experiment: dict[str, Any]) -> dict[str, Any]:
    body = {"experiment_id": experiment["id"], "name": "r1", "params": {"C": 1.0}}
    return ok(client.post(f"{API}/runs", json=body), 201)
