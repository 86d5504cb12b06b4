"""Bad input found by fuzzing the API: each gets a 4xx naming what was wrong, on SQLite and PG."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from runway.api.app import create_app
from runway_core.config import Settings

from .conftest import API, error, ok

BIG = 2**70


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_uri(request: pytest.FixtureRequest) -> str:
    uri: str = request.getfixturevalue("sqlite_uri" if request.param == "sqlite" else "pg_uri")
    return uri


@pytest.fixture
def api(backend_uri: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client that returns a 500 as a response (so the test can show it) instead of raising."""
    app = create_app(Settings(backend_uri=backend_uri, artifacts_uri=str(tmp_path / "a")))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def ids(api: TestClient) -> dict[str, str]:
    project = ok(api.post(f"{API}/projects", json={"name": "p"}), 201)
    exp = ok(api.post(f"{API}/projects/{project['id']}/experiments", json={"name": "e"}), 201)
    run = ok(api.post(f"{API}/runs", json={"experiment_id": exp["id"], "name": "r"}), 201)
    return {"project": project["id"], "experiment": exp["id"], "run": run["id"]}


# --- NUL characters: PostgreSQL cannot store them, so both backends refuse them alike ----------


def _run(**fields: Any) -> dict[str, Any]:
    return {"experiment_id": "{experiment}", **fields}


NUL = "\x00"
NUL_WRITES: list[tuple[str, str, str, Any, str]] = [
    ("project description", "POST", "/projects", {"name": "n", "description": NUL}, "description"),
    ("experiment description", "POST", "/projects/{project}/experiments",
     {"name": "n", "description": NUL}, "description"),
    ("run description", "POST", "/runs", _run(description=NUL), "description"),
    ("run user", "POST", "/runs", _run(user=NUL), "user"),
    ("run command", "POST", "/runs", _run(command=NUL), "command"),
    ("run source_ids", "POST", "/runs", _run(source_ids={"a": NUL}), "source_ids.a"),
    ("run param value", "POST", "/runs", _run(params={"a": NUL}), "params.a"),
    ("run tag value", "POST", "/runs", _run(tags={"a": NUL}), "tags.a"),
    ("log param value", "POST", "/runs/{run}/params", {"params": {"a": ["x", NUL]}}, "params.a"),
    ("set tag value", "POST", "/runs/{run}/tags", {"tags": {"a": "b" + NUL}}, "tags.a"),
    ("metric batch_id", "POST", "/runs/{run}/metrics",
     {"batch_id": NUL, "metrics": {"a": {"values": [1]}}}, "batch_id"),
    ("patch project", "PATCH", "/projects/{project}", {"description": NUL}, "description"),
    ("patch experiment", "PATCH", "/experiments/{experiment}", {"description": NUL}, "description"),
    ("patch run name", "PATCH", "/runs/{run}", {"name": NUL}, "name"),
    ("patch run description", "PATCH", "/runs/{run}", {"description": NUL}, "description"),
]  # fmt: skip


def _fill(value: Any, ids: dict[str, str]) -> Any:
    return json.loads(json.dumps(value).replace("{project}", ids["project"]).replace(
        "{experiment}", ids["experiment"]).replace("{run}", ids["run"]))  # fmt: skip


@pytest.mark.parametrize(
    ("what", "method", "path", "body", "field"),
    NUL_WRITES,
    ids=lambda x: x if isinstance(x, str) and " " in x else "",
)
def test_nul_in_written_text_is_400_naming_the_field(
    api: TestClient, ids: dict[str, str], what: str, method: str, path: str, body: Any, field: str
) -> None:
    err = error(api.request(method, API + _fill(path, ids), json=_fill(body, ids)), 400)
    assert err["code"] == "INVALID_INPUT"
    assert err["field"] == field, err
    assert "NUL" in err["message"]


NUL_READS = [
    "/projects/a%00b",
    "/projects/by-name/a%00b",
    "/projects?search=a%00b",
    "/experiments/a%00b",
    "/projects/{project}/experiments/by-name/a%00",
    "/projects/a%00/experiments",
    "/runs/a%00b",
    "/runs/{run}/metrics/a%00b",
    "/runs?project_id=a%00b",
    "/projects/a%00b/credentials",
]


@pytest.mark.parametrize("path", NUL_READS)
def test_nul_in_path_or_query_is_400(api: TestClient, ids: dict[str, str], path: str) -> None:
    err = error(api.get(API + _fill(path, ids)), 400)
    assert err["code"] == "INVALID_INPUT"
    assert "NUL" in err["message"]


def test_nul_in_ids_of_a_body_is_4xx(api: TestClient, ids: dict[str, str]) -> None:
    for body in ({"project_id": "\x00"}, {"experiment_ids": ["\x00"]}):
        assert error(api.post(f"{API}/runs/search", json=body), 400)["field"] in (
            "project_id",
            "experiment_ids",
        )
    err = error(api.post(f"{API}/runs", json={"experiment_id": "a\x00"}), 400)
    assert err["field"] == "experiment_id"
    assert api.delete(f"{API}/runs/{ids['run']}/tags/a%00b").status_code == 400


# --- integers the database cannot hold -----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/runs", {"experiment_id": "{experiment}", "start_time": BIG}, "start_time"),
        ("POST", "/runs", {"experiment_id": "{experiment}", "start_time": -5}, "start_time"),
        ("POST", "/runs", {"experiment_id": "{experiment}", "end_time": 2**63}, "end_time"),
        ("PATCH", "/runs/{run}", {"end_time": BIG}, "end_time"),
        ("PATCH", "/runs/{run}", {"end_time": 2**63}, "end_time"),
        ("POST", "/runs/{run}/params", {"params": {"n": 10**400}}, "params.n"),
        ("POST", "/runs/{run}/params", {"params": {"n": [1, -(10**400)]}}, "params.n"),
    ],
)
def test_out_of_range_integers_are_400(
    api: TestClient, ids: dict[str, str], method: str, path: str, body: Any, field: str
) -> None:
    err = error(api.request(method, API + _fill(path, ids), json=_fill(body, ids)), 400)
    assert err["field"] == field, err


def test_large_but_storable_ints_round_trip(api: TestClient, ids: dict[str, str]) -> None:
    ok(api.post(f"{API}/runs/{ids['run']}/params", json={"params": {"n": BIG}}), 204)
    assert ok(api.get(f"{API}/runs/{ids['run']}"))["params"]["n"] == BIG


def test_nan_in_source_ids_is_400(api: TestClient, ids: dict[str, str]) -> None:
    raw = '{"experiment_id": "EXP", "source_ids": {"a": NaN}}'.replace("EXP", ids["experiment"])
    resp = api.post(f"{API}/runs", content=raw, headers={"content-type": "application/json"})
    assert error(resp, 400)["field"] == "source_ids.a"


# --- PATCH with null ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/projects/{project}", "description"),
        ("/projects/{project}", "primary_metric_goal"),
        ("/projects/{project}", "name"),
        ("/experiments/{experiment}", "description"),
        ("/experiments/{experiment}", "name"),
        ("/runs/{run}", "status"),
        ("/runs/{run}", "description"),
    ],
)
def test_patch_null_on_a_required_field_is_400_and_changes_nothing(
    api: TestClient, ids: dict[str, str], path: str, field: str
) -> None:
    url = API + _fill(path, ids)
    before = ok(api.get(url))
    err = error(api.patch(url, json={field: None}), 400)
    assert err["code"] == "INVALID_INPUT"
    assert err["field"] == field
    after = ok(api.get(url))
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }


def test_patch_null_on_optional_fields_clears_them(api: TestClient, ids: dict[str, str]) -> None:
    run = ok(api.patch(f"{API}/runs/{ids['run']}", json={"name": None, "end_time": None}))
    assert run["name"] is None
    proj = ok(api.patch(f"{API}/projects/{ids['project']}", json={"primary_metric": None}))
    assert proj["primary_metric"] is None


# --- search language ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["metrics.a > ²", "metrics.a > ٣", "metrics.a > 1²"])
def test_non_ascii_digits_in_a_filter_are_400(
    api: TestClient, ids: dict[str, str], text: str
) -> None:
    body = {"project_id": ids["project"], "filter": text}
    err = error(api.post(f"{API}/runs/search", json=body), 400)
    assert err["code"] == "INVALID_FILTER"
    assert err["position"] == len(text) - 1


def test_a_filter_with_too_many_conditions_is_400_not_503(
    api: TestClient, ids: dict[str, str]
) -> None:
    text = " and ".join(["metrics.a > 1"] * 2000)
    err = error(
        api.post(f"{API}/runs/search", json={"project_id": ids["project"], "filter": text}), 400
    )
    assert err["code"] == "INVALID_FILTER"
    many = " or ".join(["params.b = 'x'"] * 250)
    ok(api.post(f"{API}/runs/search", json={"project_id": ids["project"], "filter": many}))


def test_project_name_search_treats_wildcards_literally(api: TestClient) -> None:
    for name in ("a%b", "axb", "a_c"):
        ok(api.post(f"{API}/projects", json={"name": name}), 201)
    assert [p["name"] for p in ok(api.get(f"{API}/projects", params={"search": "%"}))["data"]] == [
        "a%b"
    ]
    assert [p["name"] for p in ok(api.get(f"{API}/projects", params={"search": "_"}))["data"]] == [
        "a_c"
    ]


# --- wrong types and unusable bodies --------------------------------------------------------------


@pytest.mark.parametrize(
    ("series", "field"),
    [
        ({"values": ["1.5"]}, "metrics.a.values.0"),
        ({"values": [1.0, True]}, "metrics.a.values.1"),
        ({"steps": ["1"], "values": [1.0]}, "metrics.a.steps.0"),
        ({"steps": [False], "values": [1.0]}, "metrics.a.steps.0"),
        ({"timestamps": ["5"], "values": [1.0]}, "metrics.a.timestamps.0"),
    ],
)
def test_metric_values_of_the_wrong_type_are_400_and_store_nothing(
    api: TestClient, ids: dict[str, str], series: dict[str, Any], field: str
) -> None:
    url = f"{API}/runs/{ids['run']}/metrics"
    body = {"metrics": {"ok": {"values": [1.0]}, "a": series}}
    assert error(api.post(url, json=body), 400)["field"] == field
    assert error(api.get(f"{url}/ok"), 404)["code"] == "NOT_FOUND"


def test_integer_metric_values_are_numbers(api: TestClient, ids: dict[str, str]) -> None:
    url = f"{API}/runs/{ids['run']}/metrics"
    ok(api.post(url, json={"metrics": {"a": {"steps": [0, 1], "values": [1, 2.5]}}}))
    assert ok(api.get(f"{url}/a"))["values"] == [1.0, 2.5]


def test_a_body_nested_too_deep_to_parse_is_invalid_input(
    api: TestClient, ids: dict[str, str]
) -> None:
    raw = '{"params":' + '{"a":' * 3000 + "1" + "}" * 3000 + "}"
    resp = api.post(
        f"{API}/runs/{ids['run']}/params",
        content=raw,
        headers={"content-type": "application/json"},
    )
    err = error(resp, 400)
    assert err["code"] == "INVALID_INPUT"
    assert err["field"] == "body"


def test_unknown_parent_run_is_404(api: TestClient, ids: dict[str, str]) -> None:
    body = {"experiment_id": ids["experiment"], "parent_run_id": "0" * 32}
    assert error(api.post(f"{API}/runs", json=body), 404)["field"] == "parent_run_id"
    child = ok(api.post(f"{API}/runs", json={**body, "parent_run_id": ids["run"]}), 201)
    assert child["parent_run_id"] == ids["run"]
    # In one bulk request a child may name a parent registered by the same request.
    parent = {"experiment_id": ids["experiment"], "id": "ab" * 16}
    kid = {"experiment_id": ids["experiment"], "parent_run_id": "ab" * 16}
    ok(api.post(f"{API}/runs/bulk", json={"runs": [kid, parent]}), 201)


# --- races over a real server ---------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize("exist_ok", [False, True])
def test_eight_clients_creating_one_project_name(
    live_server_factory: Callable[..., Any], backend_uri: str, exist_ok: bool
) -> None:
    server = live_server_factory(backend_uri=backend_uri)
    barrier = threading.Barrier(8)
    results: list[tuple[int, str]] = []

    def create() -> None:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            barrier.wait()
            r = c.post(f"{API}/projects", json={"name": "same"}, params={"exist_ok": exist_ok})
            body = r.json()
            results.append((r.status_code, body.get("id") or body["error"]["code"]))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = Counter(s for s, _ in results)
    if exist_ok:
        assert statuses == {201: 8}
        assert len({i for _, i in results}) == 1
    else:
        assert statuses == {201: 1, 409: 7}
        assert {i for s, i in results if s == 409} == {"ALREADY_EXISTS"}
    projects = httpx.get(f"{server.url}{API}/projects").json()["data"]
    assert [p["name"] for p in projects] == ["same"]
