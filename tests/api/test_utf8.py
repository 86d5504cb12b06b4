"""Everything stored is valid UTF-8: text that is not (lone surrogates, undecodable bytes in a URL)
and control characters in a URL path are a 400 naming the field, on SQLite and PostgreSQL, and
SqlStore and HttpStore callers get the same error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from runway.api.app import create_app
from runway_core.config import Settings
from runway_core.errors import InvalidInput
from runway_core.schemas import ExperimentCreate, MetricBatch, ProjectCreate, RunCreate, RunSearch
from runway_core.store import Store
from runway_core.store.http import HttpStore
from runway_core.store.sql import SqlStore
from runway_core.validation import MAX_PARAM_DEPTH, key_not_utf8

from .conftest import API, error, ok

LONE = "\\udcff"  # as the JSON text carries it: an escape that decodes to a lone surrogate


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_uri(request: pytest.FixtureRequest) -> str:
    uri: str = request.getfixturevalue("sqlite_uri" if request.param == "sqlite" else "pg_uri")
    return uri


@pytest.fixture
def api(backend_uri: str, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(backend_uri=backend_uri, artifacts_uri=str(tmp_path / "a")))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def ids(api: TestClient) -> dict[str, str]:
    project = ok(api.post(f"{API}/projects", json={"name": "p"}), 201)
    exp = ok(api.post(f"{API}/projects/{project['id']}/experiments", json={"name": "e"}), 201)
    run = ok(api.post(f"{API}/runs", json={"experiment_id": exp["id"], "name": "r"}), 201)
    return {"project": project["id"], "experiment": exp["id"], "run": run["id"]}


def _raw(api: TestClient, method: str, url: str, text: str) -> Any:
    return api.request(
        method, url, content=text.encode(), headers={"content-type": "application/json"}
    )


# (what, method, path, JSON text with a lone surrogate escape, field the 400 names)
WRITES = [
    ("project name", "POST", "/projects", '{"name": "a%s"}', "name"),
    ("project description", "POST", "/projects", '{"name": "n", "description": "%s"}',
     "description"),
    ("experiment name", "POST", "/projects/{project}/experiments", '{"name": "%s"}', "name"),
    ("run command", "POST", "/runs", '{"experiment_id": "{experiment}", "command": "x%s"}',
     "command"),
    ("run source_ids", "POST", "/runs",
     '{"experiment_id": "{experiment}", "source_ids": {"a": ["%s"]}}', "source_ids.a.0"),
    ("bulk run tag", "POST", "/runs/bulk",
     '{"runs": [{"experiment_id": "{experiment}"}, {"experiment_id": "{experiment}", '
     '"tags": {"t": "%s"}}]}', "runs.1.tags.t"),
    ("param value", "POST", "/runs/{run}/params", '{"params": {"a": "%s"}}', "params.a"),
    ("param key", "POST", "/runs/{run}/params", '{"params": {"a%s": 1}}', "params.a\\udcff"),
    ("tag value", "POST", "/runs/{run}/tags", '{"tags": {"a": "%s"}}', "tags.a"),
    ("metric key", "POST", "/runs/{run}/metrics", '{"metrics": {"m%s": {"values": [1]}}}',
     "metrics.m\\udcff"),
    ("batch id", "POST", "/runs/{run}/metrics",
     '{"batch_id": "%s", "metrics": {"m": {"values": [1]}}}', "batch_id"),
    ("patch run", "PATCH", "/runs/{run}", '{"description": "%s"}', "description"),
    ("patch project", "PATCH", "/projects/{project}", '{"name": "%s"}', "name"),
    ("artifact link", "POST", "/runs/{run}/artifacts/l", '{"uri": "https://x/%s"}', "uri"),
    ("credential secret", "POST", "/projects/{project}/credentials",
     '{"name": "c", "kind": "generic", "secrets": {"token": "s%s"}}', "secrets.token"),
    ("search filter", "POST", "/runs/search",
     '{"project_id": "{project}", "filter": "params.a = \'%s\'"}', "filter"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "method", "path", "body", "field"), WRITES, ids=[w[0] for w in WRITES]
)
def test_a_lone_surrogate_in_a_body_is_400_naming_the_field(
    api: TestClient,
    ids: dict[str, str],
    what: str,
    method: str,
    path: str,
    body: str,
    field: str,
) -> None:
    def fill(text: str) -> str:
        for name, value in ids.items():
            text = text.replace("{" + name + "}", value)
        return text

    before = ok(api.get(f"{API}/runs/{ids['run']}"))
    resp = _raw(api, method, API + fill(path), fill(body).replace("%s", LONE))
    err = error(resp, 400)
    assert err["code"] == "INVALID_INPUT"
    assert err["field"] == field, err
    assert "surrogate" in err["message"]
    assert "\ufffd" not in resp.text
    # Nothing was stored: the run, the project list and the artifacts are as before.
    after = ok(api.get(f"{API}/runs/{ids['run']}"))
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
    assert [p["name"] for p in ok(api.get(f"{API}/projects"))["data"]] == ["p"]
    assert ok(api.get(f"{API}/runs/{ids['run']}/artifacts"))["count"] == 0


def test_a_surrogate_pair_is_text_and_is_stored(api: TestClient, ids: dict[str, str]) -> None:
    """``\\ud83d\\ude00`` is one character (😀), not a lone surrogate."""
    resp = _raw(api, "POST", f"{API}/runs/{ids['run']}/tags", '{"tags": {"e": "\\ud83d\\ude00"}}')
    ok(resp, 204)
    assert ok(api.get(f"{API}/runs/{ids['run']}"))["tags"] == {"e": "😀"}


def test_a_body_that_is_not_utf8_is_400(api: TestClient, ids: dict[str, str]) -> None:
    resp = api.post(
        f"{API}/runs/{ids['run']}/tags",
        content=b'{"tags": {"a": "caf\xe9"}}',
        headers={"content-type": "application/json"},
    )
    err = error(resp, 400)
    assert err["field"] == "body"
    assert "UTF-8" in err["message"]
    assert ok(api.get(f"{API}/runs/{ids['run']}"))["tags"] == {}


# --- the URL: undecodable bytes and control characters ---------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", "/projects/by-name/%FF", "name"),
        ("GET", "/projects/by-name/a%ED%B3%BFb", "name"),
        ("GET", "/projects/{project}/experiments/by-name/x%C3", "name"),
        ("GET", "/runs/{run}/metrics/acc%FF", "key"),
        ("DELETE", "/runs/{run}/tags/t%FF", "key"),
        ("GET", "/experiments/%FF", "experiment_id"),
    ],
)
def test_a_url_path_that_is_not_utf8_is_400_naming_the_parameter(
    api: TestClient, ids: dict[str, str], method: str, path: str, field: str
) -> None:
    url = API + path.replace("{project}", ids["project"]).replace("{run}", ids["run"])
    err = error(api.request(method, url), 400)
    assert err["code"] == "INVALID_INPUT"
    assert err["field"] == field
    assert "UTF-8" in err["message"]


def test_an_artifact_path_that_is_not_utf8_is_refused_and_not_stored(
    api: TestClient, ids: dict[str, str]
) -> None:
    """It used to be stored under a path holding U+FFFD."""
    run = ids["run"]
    err = error(api.put(f"{API}/runs/{run}/artifacts/a%FFb", content=b"data"), 400)
    assert err["field"] == "path"
    err = error(api.post(f"{API}/runs/{run}/artifacts/a%FFb", json={"uri": "s3://b/k"}), 400)
    assert err["field"] == "path"
    assert ok(api.get(f"{API}/runs/{run}/artifacts"))["count"] == 0
    # Percent-encoded UTF-8 is fine.
    ok(api.put(f"{API}/runs/{run}/artifacts/caf%C3%A9.txt", content=b"data"), 201)
    assert [a["path"] for a in ok(api.get(f"{API}/runs/{run}/artifacts"))["data"]] == ["café.txt"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/projects/by-name/a%0Ab", "name"),  # routing used to answer 404 "no route"
        ("/projects/a%0Ab", "project_id"),
        ("/runs/{run}/metrics/acc%0A", "key"),  # used to read metric "acc": the newline dropped
        ("/runs/{run}/metrics/a%09b", "key"),
        ("/runs/{run}/artifacts/notes%0D.txt", "path"),
        ("/runs/{run}%7F", "run_id"),
    ],
)
def test_a_control_character_in_a_url_path_is_400_naming_the_parameter(
    api: TestClient, ids: dict[str, str], path: str, field: str
) -> None:
    ok(api.post(f"{API}/runs/{ids['run']}/metrics", json={"metrics": {"acc": {"values": [1]}}}))
    err = error(api.get(API + path.replace("{run}", ids["run"])), 400)
    assert err["code"] == "INVALID_INPUT"
    assert err["field"] == field
    assert "control characters" in err["message"]


def test_a_query_string_that_is_not_utf8_is_400_naming_the_parameter(
    api: TestClient, ids: dict[str, str]
) -> None:
    err = error(api.get(f"{API}/projects?search=%FF"), 400)
    assert err["field"] == "search"
    err = error(api.get(f"{API}/runs?project_id={ids['project']}&filter=tags.a%3D%27%E9%27"), 400)
    assert err["field"] == "filter"
    # A newline in a filter is whitespace, not an error.
    url = f"{API}/runs?project_id={ids['project']}&filter=tags.a%3D%27x%27%0Aor%20tags.b%3D%27y%27"
    assert ok(api.get(url))["runs"] == []


def test_names_are_one_line(api: TestClient, ids: dict[str, str]) -> None:
    """A name with a newline could be created but never read back by name (the URL refuses it)."""
    err = error(api.post(f"{API}/projects", json={"name": "a\nb"}), 400)
    assert err["field"] == "name"
    err = error(api.patch(f"{API}/experiments/{ids['experiment']}", json={"name": "x\ty"}), 400)
    assert err["field"] == "name"
    assert ok(api.get(f"{API}/experiments/{ids['experiment']}"))["name"] == "e"


def test_a_key_with_a_trailing_newline_is_refused(api: TestClient, ids: dict[str, str]) -> None:
    for body, field in (
        ({"tags": {"a\n": "x"}}, "tags.a\n"),
        ({"params": {"a\n": 1}}, "params.a\n"),
    ):
        what = "tags" if "tags" in body else "params"
        assert error(api.post(f"{API}/runs/{ids['run']}/{what}", json=body), 400)["field"] == field
    assert ok(api.get(f"{API}/runs/{ids['run']}"))["tags"] == {}


# --- the same error from SqlStore and HttpStore ---------------------------------------------


@pytest.fixture
def stores(backend_uri: str, tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    sql = SqlStore(backend_uri, artifacts_uri=str(tmp_path / "a"))
    app = create_app(Settings(backend_uri=backend_uri, artifacts_uri=str(tmp_path / "a")))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield sql, HttpStore("http://testserver", client=client)
    sql.close()


def _surrogate_calls(store: Store, run_id: str, exp_id: str, project_id: str) -> list[Any]:
    bad = "x\udcff"
    calls = [
        lambda: store.create_project(ProjectCreate(name="q", description=bad)),
        lambda: store.create_experiment(project_id, ExperimentCreate(name="f", description=bad)),
        lambda: store.create_run(RunCreate(experiment_id=exp_id, command=bad)),
        lambda: store.create_run(RunCreate(experiment_id=exp_id, params={"p": [1, bad]})),
        lambda: store.set_tags(run_id, {"t": bad}),
        lambda: store.set_tags(run_id, {bad: "v"}),
        lambda: store.log_params(run_id, {"nested": {bad: 1}}),
        lambda: store.search_runs(RunSearch(project_id=project_id, filter=f"tags.t = '{bad}'")),
    ]
    return calls


def test_sql_and_http_stores_refuse_a_lone_surrogate_alike(
    stores: tuple[Store, Store],
) -> None:
    sql, http = stores
    project = sql.create_project(ProjectCreate(name="p"))
    exp = sql.create_experiment(project.id, ExperimentCreate(name="e"))
    run = sql.create_run(RunCreate(experiment_id=exp.id))
    outcomes: dict[str, list[tuple[str, str | None]]] = {}
    for name, store in (("sql", sql), ("http", http)):
        outcomes[name] = []
        for call in _surrogate_calls(store, run.id, exp.id, project.id):
            with pytest.raises(InvalidInput) as info:
                call()
            assert "surrogate" in info.value.message
            json.dumps(info.value.message).encode()  # a message that can be sent as UTF-8
            outcomes[name].append((type(info.value).__name__, info.value.field))
    assert outcomes["sql"] == outcomes["http"]
    assert [f for _, f in outcomes["sql"]] == [
        "description",
        "description",
        "command",
        "params.p",
        "tags.t",
        "tags.x\\udcff",
        "params.nested.x\\udcff",
        "filter",
    ]
    assert sql.get_run(run.id).tags == {}


# --- one rule for keys, and a bound on nesting -------------------------------------------------

# (what, path, JSON text with a lone surrogate escape in a key, field)
KEYS = [
    ("param key", "/runs/{run}/params", '{"params": {"a%s": 1}}', "params.a\\udcff"),
    ("nested param key", "/runs/{run}/params", '{"params": {"n": {"a%s": 1}}}',
     "params.n.a\\udcff"),
    ("tag key", "/runs/{run}/tags", '{"tags": {"a%s": "v"}}', "tags.a\\udcff"),
    ("metric key", "/runs/{run}/metrics", '{"metrics": {"a%s": {"values": [1]}}}',
     "metrics.a\\udcff"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "path", "body", "field"), KEYS, ids=[k[0] for k in KEYS])
def test_a_key_that_is_not_utf8_is_refused_in_the_words_of_the_key_rule(
    api: TestClient, ids: dict[str, str], what: str, path: str, body: str, field: str
) -> None:
    resp = _raw(api, "POST", API + path.replace("{run}", ids["run"]), body.replace("%s", LONE))
    err = error(resp, 400)
    assert (err["field"], err["message"]) == (field, key_not_utf8(field).message)
    run = ok(api.get(f"{API}/runs/{ids['run']}"))
    assert run["params"] == {} and run["tags"] == {} and run["metrics"] == {}


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"x": 1}
    for _ in range(levels):
        value = {"a": value}
    return value


def test_params_nested_too_deep_are_400_naming_the_key_path(
    api: TestClient, ids: dict[str, str]
) -> None:
    """500 levels used to end in a RecursionError; 32 is the documented limit."""
    ok(
        api.post(f"{API}/runs/{ids['run']}/params", json={"params": _deep(MAX_PARAM_DEPTH - 1)}),
        204,
    )
    for body, url in (
        ({"params": _deep(500)}, f"{API}/runs/{ids['run']}/params"),
        ({"params": _deep(500), "experiment_id": ids["experiment"]}, f"{API}/runs"),
    ):
        err = error(api.post(url, json=body), 400)
        assert err["field"] == "params" + ".a" * MAX_PARAM_DEPTH, err
        assert f"nested more than {MAX_PARAM_DEPTH} levels deep" in err["message"]
    assert ok(api.get(f"{API}/runs/{ids['run']}"))["params"] == {
        "a" + ".a" * (MAX_PARAM_DEPTH - 2) + ".x": 1
    }


def _key_and_depth_calls(store: Store, run_id: str, bad: str) -> list[Any]:
    return [
        lambda: store.log_params(run_id, {bad: 1}),
        lambda: store.set_tags(run_id, {bad: "v"}),
        lambda: store.log_metrics(run_id, MetricBatch(metrics={bad: {"values": [1.0]}})),
        lambda: store.log_params(run_id, _deep(500)),
    ]


def test_stores_refuse_bad_keys_and_deep_params_alike(stores: tuple[Store, Store]) -> None:
    sql, http = stores
    project = sql.create_project(ProjectCreate(name="p"))
    exp = sql.create_experiment(project.id, ExperimentCreate(name="e"))
    run = sql.create_run(RunCreate(experiment_id=exp.id))
    bad = "k\udcff"
    seen: dict[str, list[tuple[str | None, str]]] = {}
    for name, store in (("sql", sql), ("http", http)):
        seen[name] = []
        for call in _key_and_depth_calls(store, run.id, bad):
            with pytest.raises(InvalidInput) as info:
                call()
            seen[name].append((info.value.field, info.value.message))
    assert seen["sql"] == seen["http"]
    assert [m for _, m in seen["sql"][:3]] == [
        key_not_utf8(f).message for f in ("params.k\\udcff", "tags.k\\udcff", "metrics.k\\udcff")
    ]
    assert seen["sql"][3][0] == "params" + ".a" * MAX_PARAM_DEPTH
