"""The OpenAPI document matches what the server does: every route with its bodies and errors."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from runway.api import routes as api_routes
from tests.api.conftest import ok

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
