"""The REST routes do what their OpenAPI entry says: status codes and bodies of the happy paths."""

from __future__ import annotations

import math
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import API, ok


def test_healthz(client: TestClient) -> None:
    from runway_core import __version__

    body = ok(client.get("/healthz"))
    assert (body["status"], body["version"]) == ("ok", __version__)
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "artifacts": "ok",
    }


def test_openapi_documents_every_route_and_the_metric_batch(client: TestClient) -> None:
    schema = ok(client.get("/openapi.json"))
    paths = schema["paths"]
    for path in (
        "/api/v1/projects",
        "/api/v1/projects/{project_id}",
        "/api/v1/projects/by-name/{name}",
        "/api/v1/projects/{project_id}/experiments",
        "/api/v1/experiments/{experiment_id}",
        "/api/v1/runs",
        "/api/v1/runs/bulk",
        "/api/v1/runs/search",
        "/api/v1/runs/{run_id}",
        "/api/v1/runs/{run_id}/restore",
        "/api/v1/runs/{run_id}/params",
        "/api/v1/runs/{run_id}/tags",
        "/api/v1/runs/{run_id}/metrics",
        "/api/v1/runs/{run_id}/metrics/{key}",
    ):
        assert path in paths, path
    ingest = paths["/api/v1/runs/{run_id}/metrics"]["post"]["requestBody"]
    ref = ingest["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/MetricBatch"
    components = schema["components"]["schemas"]
    series_ref = components["MetricBatch"]["properties"]["metrics"]["additionalProperties"]["$ref"]
    assert series_ref.rsplit("/", 1)[-1] in components
    assert client.get("/docs").status_code == 200


def test_project_crud(client: TestClient) -> None:
    created = ok(client.post(f"{API}/projects", json={"name": "nlp/sentiment v2"}), 201)
    pid = created["id"]
    assert ok(client.get(f"{API}/projects/{pid}"))["name"] == "nlp/sentiment v2"
    # Names may hold "/" and spaces; the client quotes them.
    by_name = ok(client.get(f"{API}/projects/by-name/nlp%2Fsentiment%20v2"))
    assert by_name["id"] == pid
    again = ok(client.post(f"{API}/projects?exist_ok=true", json={"name": "nlp/sentiment v2"}), 201)
    assert again["id"] == pid
    ok(client.post(f"{API}/projects", json={"name": "vision"}), 201)
    listed = ok(client.get(f"{API}/projects", params={"search": "SENTI"}))
    assert listed["count"] == 1 and listed["data"][0]["id"] == pid
    assert ok(client.get(f"{API}/projects"))["count"] == 2
    patched = ok(client.patch(f"{API}/projects/{pid}", json={"description": "d"}))
    assert patched["description"] == "d" and patched["name"] == "nlp/sentiment v2"
    assert ok(client.delete(f"{API}/projects/{pid}"), 204) is None
    assert client.get(f"{API}/projects/{pid}").status_code == 404


def test_experiment_crud(client: TestClient, project: dict[str, Any]) -> None:
    url = f"{API}/projects/{project['id']}/experiments"
    exp = ok(client.post(url, json={"name": "svm"}), 201)
    assert exp["project_id"] == project["id"]
    assert ok(client.post(url + "?exist_ok=true", json={"name": "svm"}), 201)["id"] == exp["id"]
    assert ok(client.get(f"{url}/by-name/svm"))["id"] == exp["id"]
    listed = ok(client.get(url))
    assert listed["count"] == 1 and listed["data"][0]["run_count"] == 0
    patched = ok(client.patch(f"{API}/experiments/{exp['id']}", json={"name": "linear svm"}))
    assert patched["name"] == "linear svm"
    ok(client.delete(f"{API}/experiments/{exp['id']}"), 204)
    assert client.get(f"{API}/experiments/{exp['id']}").status_code == 404


def test_run_lifecycle_params_and_tags(client: TestClient, experiment: dict[str, Any]) -> None:
    body = {
        "experiment_id": experiment["id"],
        "name": "r1",
        "params": {"opt": {"lr": 0.1}, "model": "svm"},
        "tags": {"stage": "dev"},
    }
    run = ok(client.post(f"{API}/runs", json=body), 201)
    rid = run["id"]
    assert run["params"] == {"opt.lr": 0.1, "model": "svm"}
    assert run["status"] == "running"
    ok(client.post(f"{API}/runs/{rid}/params", json={"params": {"C": 2}}), 204)
    ok(client.post(f"{API}/runs/{rid}/tags", json={"tags": {"team/owner": "ann"}}), 204)
    got = ok(client.get(f"{API}/runs/{rid}"))
    assert got["params"]["C"] == 2 and got["tags"] == {"stage": "dev", "team/owner": "ann"}
    ok(client.delete(f"{API}/runs/{rid}/tags/team%2Fowner"), 204)
    assert ok(client.get(f"{API}/runs/{rid}"))["tags"] == {"stage": "dev"}
    done = ok(client.patch(f"{API}/runs/{rid}", json={"status": "finished"}))
    assert done["status"] == "finished" and done["end_time"] is not None
    ok(client.delete(f"{API}/runs/{rid}"), 204)
    restored = ok(client.post(f"{API}/runs/{rid}/restore"))
    assert restored["deleted_at"] is None


def test_bulk_registration(client: TestClient, experiment: dict[str, Any]) -> None:
    runs = [{"experiment_id": experiment["id"], "params": {"C": c}} for c in range(5)]
    created = ok(client.post(f"{API}/runs/bulk", json={"runs": runs}), 201)
    assert created["count"] == 5
    assert sorted(r["params"]["C"] for r in created["data"]) == list(range(5))


def test_metrics_roundtrip_nan_as_null_and_slash_keys(
    client: TestClient, run: dict[str, Any]
) -> None:
    url = f"{API}/runs/{run['id']}/metrics"
    batch = {
        "batch_id": "b1",
        "metrics": {
            "val/loss": {"steps": [0, 1, 2], "timestamps": [10, 20, 30], "values": [1.0, None, 0.5]}
        },
    }
    assert ok(client.post(url, json=batch)) == {"points": 3, "duplicate": False}
    assert ok(client.post(url, json=batch)) == {"points": 0, "duplicate": True}
    # A bare NaN token, as Python's json.dumps writes it, is accepted too.
    raw = b'{"metrics": {"val/loss": {"steps": [3], "values": [NaN]}}}'
    ok(client.post(url, content=raw, headers={"content-type": "application/json"}))
    series = ok(client.get(f"{url}/val/loss"))
    assert series["steps"] == [0, 1, 2, 3]
    assert series["values"] == [1.0, None, 0.5, None]
    assert series["total_points"] == 4
    summary = ok(client.get(f"{API}/runs/{run['id']}"))["metrics"]["val/loss"]
    assert summary["min"] == 0.5 and summary["max"] == 1.0


def test_metric_history_downsampled(client: TestClient, run: dict[str, Any]) -> None:
    n = 5000
    values = [math.sin(i / 100) for i in range(n)]
    url = f"{API}/runs/{run['id']}/metrics"
    ok(client.post(url, json={"metrics": {"acc": {"steps": list(range(n)), "values": values}}}))
    series = ok(client.get(f"{url}/acc", params={"max_points": 100}))
    assert series["downsampled"] is True and series["total_points"] == n
    assert len(series["steps"]) <= 100
    assert series["steps"][0] == 0 and series["steps"][-1] == n - 1


def test_responses_never_hold_bare_nan(client: TestClient, run: dict[str, Any]) -> None:
    url = f"{API}/runs/{run['id']}/metrics"
    raw = b'{"metrics": {"x": {"values": [Infinity, NaN, -Infinity]}}}'
    ok(client.post(url, content=raw, headers={"content-type": "application/json"}))
    for path in (f"{url}/x", f"{API}/runs/{run['id']}"):
        text = client.get(path).text
        assert "NaN" not in text and "Infinity" not in text, text


def test_search_by_post_and_get_with_paging(client: TestClient, experiment: dict[str, Any]) -> None:
    runs = [
        {"experiment_id": experiment["id"], "params": {"model": m, "C": c}}
        for m, c in [("svm", 1), ("svm", 2), ("tree", 3), ("svm", 4)]
    ]
    created = ok(client.post(f"{API}/runs/bulk", json={"runs": runs}), 201)["data"]
    for run in created:
        body = {"metrics": {"acc": {"values": [run["params"]["C"] / 10]}}}
        ok(client.post(f"{API}/runs/{run['id']}/metrics", json=body))
    search = {
        "experiment_ids": [experiment["id"]],
        "filter": "params.model = 'svm' and metrics.acc > 0.15",
        "order_by": ["metrics.acc DESC"],
        "limit": 1,
    }
    first = ok(client.post(f"{API}/runs/search", json=search))
    assert [r["params"]["C"] for r in first["runs"]] == [4]
    second = ok(
        client.post(f"{API}/runs/search", json={**search, "page_token": first["next_page_token"]})
    )
    assert [r["params"]["C"] for r in second["runs"]] == [2]
    query = {
        "project_id": experiment["project_id"],
        "filter": "params.model = 'svm'",
        "order_by": "metrics.acc ASC",
    }
    got = ok(client.get(f"{API}/runs", params=query))
    assert [r["params"]["C"] for r in got["runs"]] == [1, 2, 4]


def test_bad_filter_is_400_with_position(client: TestClient, experiment: dict[str, Any]) -> None:
    body = {"experiment_ids": [experiment["id"]], "filter": "metrics.acc >> 1"}
    response = client.post(f"{API}/runs/search", json=body)
    assert response.status_code == 400, response.text
    err = response.json()["error"]
    assert err["code"] == "INVALID_FILTER" and isinstance(err["position"], int)
    response = client.get(f"{API}/runs", params={"limit": 0})
    assert response.status_code == 400 and response.json()["error"]["field"] == "limit"
