"""The OpenAPI document matches what the server does: every route with its bodies and errors."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from runway.api import routes as api_routes
from runway.api.app import create_app
from runway_core.schemas._rules import KEY, PATH_SEGMENT
from tests.api.conftest import ok
from tests.auth.conftest import auth_settings

_WRITES = {"post", "put", "patch"}


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, ops in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method, op in ops.items()
    ]


def test_every_route_is_in_the_document(client: TestClient) -> None:
    """Every route of every module in ``runway.api.routes`` is served and documented."""
    schema = ok(client.get("/openapi.json"))
    documented = {(m.upper(), p) for m, p, _ in _operations(schema)}
    routes = set()
    for info in pkgutil.iter_modules(api_routes.__path__):
        module = importlib.import_module(f"{api_routes.__name__}.{info.name}")
        for route in getattr(module, "router", APIRouter()).routes:
            if isinstance(route, APIRoute) and route.path != "/healthz":
                # FastAPI documents "{key:path}" as "{key}".
                path = "/api/v1" + route.path.replace(":path}", "}")
                routes |= {(method, path) for method in route.methods}
    assert len(routes) > 30
    assert routes == documented


def test_errors_are_documented_as_the_error_body_not_422(client: TestClient) -> None:
    """Bad input is a 400 with ``{"error": …}``: the document must not promise FastAPI's 422."""
    schema = ok(client.get("/openapi.json"))
    assert "ErrorBody" in schema["components"]["schemas"]
    wrong = []
    for method, path, op in _operations(schema):
        responses = op["responses"]
        if "422" in responses:
            wrong.append(f"{method} {path}: 422")
        for code in ("400", "404"):
            ref = (
                responses.get(code, {})
                .get("content", {})
                .get("application/json", {})
                .get("schema", {})
                .get("$ref", "")
            )
            if not ref.endswith("/ErrorBody"):
                wrong.append(f"{method} {path}: {code} {ref or 'missing'}")
        if method in _WRITES and "413" not in responses and "requestBody" in op:
            wrong.append(f"{method} {path}: 413 missing")
    assert wrong == []


def test_json_bodies_and_responses_have_schemas(client: TestClient) -> None:
    schema = ok(client.get("/openapi.json"))
    missing = []
    for method, path, op in _operations(schema):
        if "/artifacts/" in path or "/archive/" in path:
            continue  # file downloads; the artifact routes are reviewed on their own
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None and not body.get("schema"):
            missing.append(f"{method} {path}: request schema")
        for code, response in op["responses"].items():
            if code.startswith("2") and code != "204":
                content = response.get("content", {})
                if not any(c.get("schema") for c in content.values()):
                    missing.append(f"{method} {path}: {code} schema {content}")
    assert missing == []


def test_a_405_allows_every_method_of_the_path(client: TestClient) -> None:
    """Routing tries one route of a path; the Allow header must name the methods of all."""
    resp = client.request("OPTIONS", "/api/v1/projects/0123")
    assert resp.status_code == 405
    assert resp.headers["allow"] == "GET, PATCH, DELETE"
    assert client.request("PUT", "/api/v1/runs/bulk").headers["allow"] == "POST"


def test_the_document_states_what_the_server_refuses(client: TestClient) -> None:
    schema = ok(client.get("/openapi.json"))
    components = schema["components"]["schemas"]
    # Names are one non-blank line; PATCH fields that cannot be cleared are not nullable.
    name = components["ProjectCreate"]["properties"]["name"]
    assert name["minLength"] == 1 and name["maxLength"] == 250 and "pattern" in name
    update = components["ProjectUpdate"]["properties"]
    assert "anyOf" not in update["name"] and "anyOf" not in update["description"]
    assert {"type": "null"} in update["primary_metric"]["anyOf"]  # this one may be cleared
    # Every path parameter: not empty, no control character.
    for _method, path, op in _operations(schema):
        for parameter in op.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["schema"]["minLength"] == 1, (path, parameter)
                # The generic rule, or a stricter one of the route's own (a metric key).
                assert parameter["schema"]["pattern"] in (PATH_SEGMENT, KEY), (path, parameter)
    # Downloads are the file's bytes, not JSON.
    download = schema["paths"]["/api/v1/runs/{run_id}/artifacts/{path}"]["get"]
    content = download["responses"]["200"]["content"]
    assert {"application/octet-stream", "text/plain"} <= set(content)
    assert "application/json" not in content
    # Text rules and times.
    run = components["RunCreate"]["properties"]
    assert run["tags"]["propertyNames"]["pattern"].startswith("^[\\w")
    assert run["start_time"]["maximum"] == 2**53 - 1


def test_the_count_limits_are_documented_as_configured(tmp_path: Any) -> None:
    from runway.api.app import create_app
    from runway_core.config import Settings

    settings = Settings(
        backend_uri=f"sqlite:///{tmp_path / 'r.db'}",
        artifacts_uri=str(tmp_path / "a"),
        max_batch_keys=77,
        max_bulk_runs=5,
    )
    with TestClient(create_app(settings)) as client:
        components = ok(client.get("/openapi.json"))["components"]["schemas"]
    runs = components["RunsBulkCreate"]["properties"]["runs"]
    assert runs["maxItems"] == 5 and "RUNWAY_MAX_BULK_RUNS" in runs["description"]
    metrics = components["MetricBatch"]["properties"]["metrics"]
    assert metrics["maxProperties"] == 77 and "RUNWAY_MAX_BATCH_KEYS" in metrics["description"]
    assert components["TagsSet"]["properties"]["tags"]["maxProperties"] == 77


def test_the_bearer_scheme_is_declared_and_used_as_the_server_does(tmp_path: Any) -> None:
    """With --auth every operation but /healthz needs the token and documents 401 and 429; 403
    only where a known caller can be refused (a higher role, a server admin). Without --auth the
    scheme is declared with a note, and nothing asks for it."""
    cfg = auth_settings(tmp_path)
    for auth in (True, False):
        with TestClient(create_app(cfg.model_copy(update={"auth": auth}))) as c:
            schema = ok(c.get("/openapi.json"))
        scheme = schema["components"]["securitySchemes"]["bearerAuth"]
        assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
        assert ("requires it" if auth else "runs without --auth") in scheme["description"]
        assert schema["paths"]["/healthz"]["get"].get("security", []) == []
        ops = {(m.upper(), p): op for m, p, op in _operations(schema)}
        for (method, path), op in ops.items():
            responses = op["responses"]
            if not auth:
                assert "security" not in op and not {"401", "403"} & set(responses)
                # An upload's cap holds per client address without --auth too.
                upload = path.endswith("/artifacts/{path}") and method == "PUT"
                assert ("429" in responses) == upload, (method, path)
                continue
            assert op["security"] == [{"bearerAuth": []}], (method, path)
            assert {"401", "429"} <= set(responses), (method, path)
            assert "Retry-After" in responses["429"]["headers"]
        if auth:
            forbids = {key for key, op in ops.items() if "403" in op["responses"]}
            assert ("GET", "/api/v1/users") in forbids  # server admins only
            assert ("PATCH", "/api/v1/runs/{run_id}") in forbids  # the write role
            assert ("DELETE", "/api/v1/tokens/{token_id}") in forbids  # its owner only
            assert ("GET", "/api/v1/runs/{run_id}") not in forbids  # a reader: 404 or 200
            assert ("GET", "/api/v1/whoami") not in forbids
