"""``/projects/{id}/metric-goals``: set, list and reset a metric's goal over REST."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import API, error, ok


def test_put_list_delete_a_metric_goal(client: TestClient, project: dict[str, Any]) -> None:
    base = f"{API}/projects/{project['id']}/metric-goals"
    assert ok(client.get(base)) == {"data": [], "count": 0}
    put = ok(client.put(f"{base}/train%2Floss", json={"goal": "max"}))
    assert (put["key"], put["goal"], put["source"]) == ("train/loss", "max", "setting")
    ok(client.put(f"{base}/val acc", json={"goal": "min"}))
    listed = ok(client.get(base))
    assert [(g["key"], g["goal"]) for g in listed["data"]] == [
        ("train/loss", "max"),
        ("val acc", "min"),
    ]
    reset = ok(client.delete(f"{base}/train/loss"))  # a plain slash reaches the key too
    assert (reset["key"], reset["goal"], reset["source"]) == ("train/loss", "min", "name")
    assert ok(client.get(base))["count"] == 1


def test_bad_goal_bodies_are_400s_naming_the_field(
    client: TestClient, project: dict[str, Any]
) -> None:
    url = f"{API}/projects/{project['id']}/metric-goals/loss"
    for body in ({"goal": "lower"}, {"goal": None}, {}, {"goal": 1}):
        err = error(client.put(url, json=body), 400)
        assert err["field"] == "goal", (body, err)
    err = error(
        client.put(f"{API}/projects/{project['id']}/metric-goals/a*b", json={"goal": "max"}), 400
    )
    assert err["field"] == "key"
    assert ok(client.get(f"{API}/projects/{project['id']}/metric-goals"))["count"] == 0


def test_unknown_project_is_404(client: TestClient) -> None:
    missing = "0" * 32
    for response in (
        client.get(f"{API}/projects/{missing}/metric-goals"),
        client.put(f"{API}/projects/{missing}/metric-goals/loss", json={"goal": "max"}),
        client.delete(f"{API}/projects/{missing}/metric-goals/loss"),
    ):
        assert error(response, 404)["field"] == "project_id"


def test_project_created_without_a_goal_gets_it_by_name(client: TestClient) -> None:
    body = ok(client.post(f"{API}/projects", json={"name": "r", "primary_metric": "val_rmse"}), 201)
    assert body["primary_metric_goal"] == "min"
    listed = ok(client.get(f"{API}/projects"))["data"]
    assert listed[0]["best_goal"] == "min"
