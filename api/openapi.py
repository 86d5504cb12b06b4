"""The OpenAPI document as the server behaves: the error body instead of FastAPI's 422, and the
schemas of bodies that routes parse themselves (the metric batch)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from runway_core.schemas import MetricBatch


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    position: int | None = None


class ErrorBody(BaseModel):
    """Every error response: ``{"error": {code, message, field?, position?}}``."""

    error: ErrorDetail


_ERRORS = {
    "400": "INVALID_INPUT (a value, key or body is wrong; `field` names it) or INVALID_FILTER",
    "404": "NOT_FOUND: an id, name or key does not exist",
    "409": "ALREADY_EXISTS (a unique name is taken) or CONFLICT (e.g. changing a param)",
    "413": "PAYLOAD_TOO_LARGE: the body exceeds RUNWAY_MAX_BODY_BYTES",
    "503": "STORE_UNAVAILABLE: the database cannot be reached",
}
_WRITES = {"post", "put", "patch", "delete"}


def _component_schemas(*models: type[BaseModel]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out


def _error_responses(method: str, operation: dict[str, Any]) -> dict[str, Any]:
    codes = ["400", "404", "503"]
    if method in _WRITES:
        codes.append("409")
    if "requestBody" in operation:
        codes.append("413")
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    return {
        code: {"description": _ERRORS[code], "content": {"application/json": {"schema": ref}}}
        for code in sorted(codes)
    }


def complete_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error responses and extra body schemas to a generated document, in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(_component_schemas(MetricBatch, ErrorBody))
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)  # FastAPI's 422 body, which this API never sends
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            if path.startswith("/api/"):
                for code, response in _error_responses(method, operation).items():
                    responses.setdefault(code, response)
    return schema


def install_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_openapi(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
