"""RUNWAY_MAX_STRING_LENGTH caps every string of a JSON body (413 naming the field and the
setting, nothing stored); RUNWAY_MAX_PAGE_SIZE caps a search page (400 naming ``limit``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from runway.api.app import create_app
from runway.api.limits import long_string_error
from runway_core.config import Settings

from .conftest import API, error, ok

LIMIT = 1_000


@pytest.fixture
def small(sqlite_uri: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        backend_uri=sqlite_uri,
        artifacts_uri=str(tmp_path / "a"),
        max_string_length=LIMIT,
        max_page_size=1_000,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _experiment(client: TestClient) -> dict[str, Any]:
    project = ok(client.post(f"{API}/projects", json={"name": "p"}), 201)
    url = f"{API}/projects/{project['id']}/experiments"
    return ok(client.post(url, json={"name": "e"}), 201)


def test_a_description_longer_than_the_limit_is_refused_naming_field_and_setting(
    small: TestClient,
) -> None:
    exp = _experiment(small)
    at_limit = ok(
        small.post(f"{API}/runs", json={"experiment_id": exp["id"], "description": "d" * LIMIT}),
        201,
    )
    assert len(at_limit["description"]) == LIMIT
    # Characters, not bytes: 1,000 two-byte characters are within the limit.
    ok(
        small.post(f"{API}/runs", json={"experiment_id": exp["id"], "description": "é" * LIMIT}),
        201,
    )
    body = {"experiment_id": exp["id"], "command": "python train.py " + "x" * LIMIT}
    err = error(small.post(f"{API}/runs", json=body), 413)
    assert err["field"] == "command"
    assert "RUNWAY_MAX_STRING_LENGTH" in err["message"] and str(LIMIT) in err["message"]
    page = ok(small.get(f"{API}/runs", params={"experiment_id": exp["id"]}))
    assert len(page["runs"]) == 2  # the refused run was not stored


def test_nested_fields_and_keys_are_named(small: TestClient) -> None:
    exp = _experiment(small)
    run = ok(small.post(f"{API}/runs", json={"experiment_id": exp["id"]}), 201)
    writes = {"writes": [
        {"op": "tags", "run_id": run["id"], "tags": {"ok": "fine"}},
        {"op": "update_run", "run_id": run["id"],
         "update": {"description": "escaped \\" + "n" * LIMIT}},
    ]}  # fmt: skip
    err = error(small.post(f"{API}/writes", content=json.dumps(writes)), 413)
    assert err["field"] == "writes.1.update.description", err
    assert ok(small.get(f"{API}/runs/{run['id']}"))["tags"] == {}  # nothing applied
    update = error(small.patch(f"{API}/projects/{exp['project_id']}", json={"k" * 2000: 1}), 413)
    assert update["field"].startswith("kkkk")


def test_the_scan_reads_string_tokens_not_what_lies_between_them() -> None:
    numbers = json.dumps({"metrics": {"loss": {"values": [0.5] * 5_000}}}).encode()
    assert long_string_error(numbers, 100) is None  # long body, short strings
    escaped = json.dumps({"a": '"quoted" \\ ' * 20}).encode()
    assert long_string_error(escaped, 250) is None  # 280 bytes, 220 characters
    found = long_string_error(escaped, 100)
    assert found is not None and found.field == "a"


def test_search_pages_are_capped_by_the_setting(small: TestClient) -> None:
    exp = _experiment(small)
    ok(small.get(f"{API}/runs", params={"experiment_id": exp["id"], "limit": 1_000}))
    err = error(small.get(f"{API}/runs", params={"experiment_id": exp["id"], "limit": 1_001}), 400)
    assert err["field"] == "limit" and "RUNWAY_MAX_PAGE_SIZE" in err["message"]
    body = {"experiment_ids": [exp["id"]], "limit": 1_001}
    err = error(small.post(f"{API}/runs/search", json=body), 400)
    assert err["field"] == "limit" and "1000" in err["message"]


def test_a_page_size_below_what_the_dashboard_reads_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="max_page_size"):
        Settings(max_page_size=999)


def test_the_defaults_leave_ordinary_requests_alone(client: TestClient) -> None:
    project = ok(
        client.post(f"{API}/projects", json={"name": "p", "description": "x" * 60_000}), 201
    )
    assert len(project["description"]) == 60_000
    ok(client.get(f"{API}/runs", params={"project_id": project["id"], "limit": 50_000}))
