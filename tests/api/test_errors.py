"""Bad input gets a 4xx with one error body naming the field; a failed write stores nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from runway.api.app import create_app
from runway_core.config import Settings
from tests.api.conftest import API, error, ok

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/projects/nope"),
        ("PATCH", "/projects/nope"),
        ("DELETE", "/projects/nope"),
        ("GET", "/projects/by-name/nope"),
        ("GET", "/projects/nope/experiments"),
        ("GET", "/experiments/nope"),
        ("DELETE", "/experiments/nope"),
        ("GET", "/runs/nope"),
        ("PATCH", "/runs/nope"),
        ("DELETE", "/runs/nope"),
        ("POST", "/runs/nope/restore"),
        ("POST", "/runs/nope/params"),
        ("POST", "/runs/nope/tags"),
        ("POST", "/runs/nope/metrics"),
        ("GET", "/runs/nope/metrics/loss"),
    ],
)
def test_unknown_ids_are_404(client: TestClient, method: str, path: str) -> None:
    bodies = {
        "PATCH": {},
        "POST": {"params": {"a": 1}, "tags": {"a": "b"}, "metrics": {"a": {"values": [1]}}},
    }
    err = error(client.request(method, API + path, json=bodies.get(method)), 404)
    assert err["code"] == "NOT_FOUND"
    assert "nope" in err["message"]


def test_unknown_route_and_method_use_the_error_body(client: TestClient) -> None:
    assert error(client.get(f"{API}/nothing-here"), 404)["code"] == "NOT_FOUND"
    assert error(client.put(f"{API}/projects"), 405)["code"] == "METHOD_NOT_ALLOWED"


def test_duplicate_names_are_409(client: TestClient, project: dict[str, Any]) -> None:
    err = error(client.post(f"{API}/projects", json={"name": "sentiment"}), 409)
    assert err["code"] == "ALREADY_EXISTS" and "sentiment" in err["message"]
    url = f"{API}/projects/{project['id']}/experiments"
    ok(client.post(url, json={"name": "e"}), 201)
    assert error(client.post(url, json={"name": "e"}), 409)["code"] == "ALREADY_EXISTS"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": 3}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 251}, "name"),
        ({}, "name"),
        ({"name": "p", "primary_metric_goal": "up"}, "primary_metric_goal"),
    ],
)
def test_bad_project_fields_name_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    err = error(client.post(f"{API}/projects", json=body), 400)
    assert err["code"] == "INVALID_INPUT"
    assert err["field"] == field and field in err["message"]


def test_invalid_json_names_the_position(client: TestClient, run: dict[str, Any]) -> None:
    for path in ("/projects", f"/runs/{run['id']}/metrics"):
        err = error(client.post(API + path, content=b'{"name": ', headers=JSON), 400)
        assert err["field"] == "body" and "JSON" in err["message"]


def test_wrong_query_type(client: TestClient, run: dict[str, Any]) -> None:
    url = f"{API}/runs/{run['id']}/metrics/loss?max_points=many"
    err = error(client.get(url), 400)
    assert err["field"] == "max_points" and "max_points" in err["message"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"params": {"lr": NaN}}', "params.lr"),
        (b'{"params": {"lr": Infinity}}', "params.lr"),
        (b'{"params": {"": 1}}', "params."),
        (b'{"params": {"' + b"k" * 251 + b'": 1}}', "params." + "k" * 251),
        (b'{"params": {"a": {"b": [1, NaN]}}}', "params.a.b"),
        (b'{"params": "lr=1"}', "params"),
    ],
)
def test_bad_params_name_the_key(
    client: TestClient, run: dict[str, Any], raw: bytes, field: str
) -> None:
    err = error(client.post(f"{API}/runs/{run['id']}/params", content=raw, headers=JSON), 400)
    assert err["code"] == "INVALID_INPUT"
    assert err["field"] == field
    assert run["params"] == ok(client.get(f"{API}/runs/{run['id']}"))["params"]


def test_param_change_is_409_unless_overwrite(client: TestClient, run: dict[str, Any]) -> None:
    url = f"{API}/runs/{run['id']}/params"
    ok(client.post(url, json={"params": {"C": 1.0}}), 204)  # same value: fine
    err = error(client.post(url, json={"params": {"C": 2.0, "new": 1}}), 409)
    assert (
        err["code"] == "CONFLICT" and err["field"] == "params.C" and "overwrite" in err["message"]
    )
    assert ok(client.get(f"{API}/runs/{run['id']}"))["params"] == {"C": 1.0}
    ok(client.post(url, json={"params": {"C": 2.0}, "overwrite": True}), 204)
    assert ok(client.get(f"{API}/runs/{run['id']}"))["params"] == {"C": 2.0}


@pytest.mark.parametrize(
    ("metrics", "field"),
    [
        ({"": {"values": [1]}}, "metrics."),
        ({"k" * 251: {"values": [1]}}, "metrics." + "k" * 251),
        ({"loss": {"values": [1, 2, 3], "steps": [0, 1]}}, "metrics.loss.steps"),
        ({"loss": {"values": [1, 2], "timestamps": [5]}}, "metrics.loss.timestamps"),
        ({"loss": {"values": [1, "high"]}}, "metrics.loss.values.1"),
        ({"loss": {"values": [1, 2], "steps": [0, 1.5]}}, "metrics.loss.steps.1"),
        ({"loss": {"steps": [0]}}, "metrics.loss.values"),
        ({"loss": [1, 2]}, "metrics.loss"),
    ],
)
def test_bad_metric_batch_names_the_field_and_writes_nothing(
    client: TestClient, run: dict[str, Any], metrics: dict[str, Any], field: str
) -> None:
    url = f"{API}/runs/{run['id']}/metrics"
    # A good key next to the bad one: the batch is one transaction, so neither is stored.
    batch = {"metrics": {"acc": {"values": [0.5]}, **metrics}}
    err = error(client.post(url, json=batch), 400)
    assert err["code"] == "INVALID_INPUT"
    assert err["field"] == field, err
    assert error(client.get(f"{url}/acc"), 404)["code"] == "NOT_FOUND"
    assert ok(client.get(f"{API}/runs/{run['id']}"))["metrics"] == {}


def test_failed_bulk_registration_stores_no_run(
    client: TestClient, experiment: dict[str, Any]
) -> None:
    good = {"experiment_id": experiment["id"], "name": "good"}
    bad = {"experiment_id": experiment["id"], "params": {"lr": "x" * 7000}}
    err = error(client.post(f"{API}/runs/bulk", json={"runs": [good, bad]}), 400)
    assert err["field"].startswith("runs.1")
    listed = ok(client.get(f"{API}/projects/{experiment['project_id']}/experiments"))
    assert listed["data"][0]["run_count"] == 0


def test_metrics_to_a_finished_run_are_allowed(client: TestClient, run: dict[str, Any]) -> None:
    ok(client.patch(f"{API}/runs/{run['id']}", json={"status": "finished"}))
    url = f"{API}/runs/{run['id']}/metrics"
    assert ok(client.post(url, json={"metrics": {"test/acc": {"values": [0.9]}}}))["points"] == 1
    assert ok(client.get(f"{url}/test/acc"))["values"] == [0.9]


@pytest.fixture
def small_client(sqlite_uri: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        backend_uri=sqlite_uri, artifacts_uri=str(tmp_path / "a"), max_body_bytes=1000
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_body_over_the_limit_is_413(small_client: TestClient) -> None:
    big = {"name": "p", "description": "x" * 2000}
    err = error(small_client.post(f"{API}/projects", json=big), 413)
    assert err["code"] == "PAYLOAD_TOO_LARGE" and err["field"] == "body"
    assert "1000" in err["message"]
    assert ok(small_client.get(f"{API}/projects"))["count"] == 0


def test_streamed_body_over_the_limit_is_413(small_client: TestClient) -> None:
    """Without Content-Length (chunked upload) the bytes are counted as they arrive."""
    run = _small_run(small_client)

    def chunks() -> Iterator[bytes]:
        yield b'{"metrics": {"loss": {"values": ['
        for _ in range(100):
            yield b"1.0, " * 10
        yield b"1.0]}}}"

    for path in (f"/runs/{run}/metrics", "/projects"):
        response = small_client.post(API + path, content=chunks(), headers=JSON)
        assert "content-length" not in response.request.headers
        assert error(response, 413)["code"] == "PAYLOAD_TOO_LARGE"
    assert ok(small_client.get(f"{API}/projects"))["count"] == 1


def test_artifact_uploads_are_not_held_to_the_json_limit(small_client: TestClient) -> None:
    run = _small_run(small_client)
    url = f"{API}/runs/{run}/artifacts/model.bin"
    data = bytes(range(256)) * 20
    headers = {"content-type": "application/octet-stream"}
    ok(small_client.put(url, content=data, headers=headers), 201)
    assert small_client.get(url).content == data
    # The same path's JSON route (a link) keeps the limit.
    response = small_client.post(url, json={"uri": "s3://bucket/" + "k" * 2000})
    assert error(response, 413)["code"] == "PAYLOAD_TOO_LARGE"


def _small_run(c: TestClient) -> str:
    pid = ok(c.post(f"{API}/projects", json={"name": "p"}), 201)["id"]
    eid = ok(c.post(f"{API}/projects/{pid}/experiments", json={"name": "e"}), 201)["id"]
    return str(ok(c.post(f"{API}/runs", json={"experiment_id": eid}), 201)["id"])


def test_unexpected_errors_are_500_without_internals(app: Any) -> None:
    def boom() -> None:
        raise RuntimeError("secret connection string postgres://u:pw@db")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        err = error(c.get("/boom"), 500)
    assert err["code"] == "INTERNAL"
    assert "secret" not in err["message"] and "RuntimeError" not in err["message"]


def test_the_databases_own_words_never_reach_the_client(
    client: TestClient, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A database failure answers in Runway's words; the database's (table and column names,
    values, driver text) go to the server's log only."""
    import sqlite3

    project = ok(client.post(API + "/projects", json={"name": "p"}), 201)
    db = settings.backend_uri.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:  # the table goes missing under the running server
        conn.execute("DROP TABLE experiments")
    with caplog.at_level("WARNING", logger="runway.store"):
        response = client.get(f"{API}/projects/{project['id']}/experiments")
    body = error(response, 503)
    assert body["code"] == "STORE_UNAVAILABLE"
    assert "experiments" not in body["message"] and "no such table" not in body["message"]
    assert "the server's log says why" in body["message"]
    assert any("no such table" in r.getMessage() for r in caplog.records)
