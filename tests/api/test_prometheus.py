"""``GET /metrics``: requests by route template, method and status, their latency, and the
ingest counters, in Prometheus' text format (read back with prometheus-client's own parser)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from .conftest import API, ok


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape by (name, sorted labels)."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def requests(scrape: dict[Any, float], method: str, route: str, status: int) -> float:
    labels = (("method", method), ("route", route), ("status", str(status)))
    return scrape.get(("runway_http_requests_total", labels), 0.0)


def test_requests_are_counted_and_timed_by_route_template(
    client: TestClient, run: dict[str, Any]
) -> None:
    before = samples(client)
    for _ in range(3):
        ok(client.get(f"{API}/runs/{run['id']}"))
    client.get(f"{API}/runs/no-such-run")
    client.get("/no/such/route/1")
    client.get("/no/such/route/2")
    after = samples(client)
    one_run = "/api/v1/runs/{run_id}"
    assert requests(after, "GET", one_run, 200) - requests(before, "GET", one_run, 200) == 3
    assert requests(after, "GET", one_run, 404) - requests(before, "GET", one_run, 404) == 1
    assert requests(after, "GET", "unmatched", 404) - requests(before, "GET", "unmatched", 404) == 2
    # No label holds a concrete id or path.
    assert not any(run["id"] in str(labels) for _, labels in after)
    latency = dict((("method", "GET"), ("route", one_run), ("status", "200")))
    count = after[("runway_http_request_duration_seconds_count", tuple(sorted(latency.items())))]
    total = after[("runway_http_request_duration_seconds_sum", tuple(sorted(latency.items())))]
    assert count == 3 and 0 < total < 30


def test_ingest_counts_points_and_writes_once(client: TestClient, run: dict[str, Any]) -> None:
    def ingested(scrape: dict[Any, float]) -> tuple[float, float]:
        return (
            scrape[("runway_metric_points_ingested_total", ())],
            scrape[("runway_writes_ingested_total", ())],
        )

    start = ingested(samples(client))
    batch = {"batch_id": "b1", "metrics": {"loss": {"values": [0.5] * 10}, "acc": {"values": [1]}}}
    url = f"{API}/runs/{run['id']}/metrics"
    assert ok(client.post(url, json=batch))["points"] == 11
    assert ok(client.post(url, json=batch))["duplicate"] is True  # a repeat is not counted
    writes = {"writes": [
        {"op": "tags", "run_id": run["id"], "tags": {"stage": "dev"}},
        {"op": "metrics", "run_id": run["id"], "batch": {"metrics": {"lr": {"values": [1, 2]}}}},
        {"op": "tags", "run_id": "no-such-run", "tags": {"x": "y"}},  # refused: not counted
    ]}  # fmt: skip
    results = ok(client.post(f"{API}/writes", json=writes))["data"]
    assert [r["status"] < 400 for r in results] == [True, True, False]
    points, applied = ingested(samples(client))
    assert (points - start[0], applied - start[1]) == (13, 2)
