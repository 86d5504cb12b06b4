"""The OpenAPI document as the server behaves: the error body instead of FastAPI's 422, the
schemas of bodies that routes parse themselves (the metric batch), the rules every route shares
(no NUL in text, no control character in a path parameter: ``guards``), the count limits as
configured (``limits``), file downloads as the bytes they are, and authentication
(``openapi_auth``)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from runway_core.config import Settings
from runway_core.schemas import MetricBatch
from runway_core.schemas._rules import NUL_FREE, PARAM_COMPONENTS, PATH_SEGMENT

from .limits import KEYS_SETTING, RUNS_SETTING
from .openapi_auth import document_auth
from .routes.artifacts import ArchiveMembersPublic


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    position: int | None = None
    retry_after: int | None = None  # 429: seconds to wait, as the Retry-After header


class ErrorBody(BaseModel):
    """Every error response: ``{"error": {code, message, field?, position?, retry_after?}}``."""

    error: ErrorDetail


_ERRORS = {
    "400": "INVALID_INPUT (a value, key or body is wrong; `field` names it) or INVALID_FILTER",
    "404": "NOT_FOUND: an id, name or key does not exist",
    "409": "ALREADY_EXISTS (a unique name is taken) or CONFLICT (e.g. changing a param)",
    "408": "REQUEST_TIMEOUT: the body sent nothing for RUNWAY_BODY_TIMEOUT s, or came slower "
    "than RUNWAY_BODY_MIN_RATE",
    "413": "PAYLOAD_TOO_LARGE: the body exceeds RUNWAY_MAX_BODY_BYTES",
    "413upload": "PAYLOAD_TOO_LARGE: the upload exceeds RUNWAY_MAX_UPLOAD_BYTES",
    "429": "TOO_MANY_REQUESTS: RUNWAY_UPLOADS_PER_USER uploads in progress; see Retry-After",
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


def _error_responses(method: str, operation: dict[str, Any], upload: bool) -> dict[str, Any]:
    codes = ["400", "404", "503"]
    if method in _WRITES:
        codes.append("409")
    if "requestBody" in operation:
        codes += ["408", "413"]
    if upload:  # the raw body is read by the route, not declared
        codes += ["408", "413upload", "429"]
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    out: dict[str, Any] = {
        code[:3]: {"description": _ERRORS[code], "content": {"application/json": {"schema": ref}}}
        for code in sorted(codes)
    }
    if "429" in out:
        out["429"]["headers"] = {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}
    return out


_FILE = {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    "text/plain": {"schema": {"type": "string"}},
    "*/*": {"schema": {}},
}
_FILE_NOTE = (
    "The file's bytes, with the media type guessed from its name when it was logged "
    "(application/octet-stream when unknown)."
)


def _file_downloads(paths: dict[str, Any]) -> None:
    download = paths.get("/api/v1/runs/{run_id}/artifacts/{path}", {}).get("get")
    if download is not None:
        download["responses"]["200"] = {"description": _FILE_NOTE, "content": dict(_FILE)}
    archive = paths.get("/api/v1/runs/{run_id}/archive/{path}", {}).get("get")
    if archive is not None:
        members = {"$ref": "#/components/schemas/ArchiveMembersPublic"}
        archive["responses"]["200"] = {
            "description": "Without `member`: the member list. With it: the member's bytes.",
            "content": {"application/json": {"schema": members}, **_FILE},
        }


def _text_rules(node: Any) -> None:
    """Every string the API takes or gives holds no NUL (state it where no pattern says more)."""
    if isinstance(node, dict):
        said = {"pattern", "format", "enum", "const"} & set(node)
        if node.get("type") == "string" and not said:
            node["pattern"] = NUL_FREE
        for value in node.values():
            _text_rules(value)
    elif isinstance(node, list):
        for value in node:
            _text_rules(value)


def _path_parameters(operation: dict[str, Any]) -> None:
    """Path parameters carry no control character and are not empty (``guards``)."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path":
            # A route may state a stricter pattern of its own (a metric key, say).
            pattern = parameter["schema"].get("pattern", PATH_SEGMENT)
            parameter["schema"] = {**parameter["schema"], "minLength": 1, "pattern": pattern}


def _limits(components: dict[str, Any], settings: Settings) -> None:
    """The count limits as this server is configured (``limits``; 413 beyond)."""
    keys = ("maxProperties", settings.max_batch_keys, KEYS_SETTING)
    caps = [
        ("MetricBatch", "metrics", keys),
        ("RunsBulkCreate", "runs", ("maxItems", settings.max_bulk_runs, RUNS_SETTING)),
        ("RunCreate", "tags", keys),
        ("TagsSet", "tags", keys),
        ("RunCreate", "params", keys),
        ("ParamsLog", "params", keys),
    ]
    for model, prop, (keyword, limit, setting) in caps:
        field = components.get(model, {}).get("properties", {}).get(prop)
        if field is not None:
            field[keyword] = limit
            note = f"at most {limit} ({setting})"
            field["description"] = (
                f"{field['description']}; {note}" if field.get("description") else note
            )


def complete_openapi(schema: dict[str, Any], settings: Settings | None = None) -> dict[str, Any]:
    """Add the error responses and extra body schemas to a generated document, in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(_component_schemas(MetricBatch, ArchiveMembersPublic, ErrorBody))
    components.update(PARAM_COMPONENTS)
    for model in ("RunCreate", "ParamsLog"):
        params = components.get(model, {}).get("properties", {}).get("params")
        if params is not None:
            params["additionalProperties"] = {"$ref": "#/components/schemas/ParamValue"}
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)  # FastAPI's 422 body, which this API never sends
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            if path.startswith("/api/"):
                upload = method == "put" and path == "/api/v1/runs/{run_id}/artifacts/{path}"
                for code, response in _error_responses(method, operation, upload).items():
                    responses.setdefault(code, response)
                _path_parameters(operation)
    _file_downloads(schema.get("paths", {}))
    # Error bodies may quote what was refused, NUL included; everything else holds no NUL.
    _text_rules({k: v for k, v in components.items() if k not in ("ErrorBody", "ErrorDetail")})
    _text_rules(schema.get("paths", {}))
    if settings is not None:
        _limits(components, settings)
    document_auth(schema, auth=settings is not None and settings.auth)
    return schema


def install_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete_openapi(generate(), app.state.settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
