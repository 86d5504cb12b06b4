"""The one place where errors become HTTP responses: ``{"error": {code, message, field?}}``.

``RunwayError`` keeps its own status; request validation → 400 ``INVALID_INPUT`` naming the
field; HTTP errors from routing or the body limit keep their status; anything else → 500
``INTERNAL``, logged, with no internals in the body.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from runway_core.auth.tokens import redact_tokens
from runway_core.errors import (
    InvalidInput,
    PayloadTooLarge,
    RunwayError,
    ServerMisconfigured,
    TooManyRequests,
)
from runway_core.validation import printable

from .routemap import allowed_methods

log = logging.getLogger("runway.api")

# Where FastAPI puts the part of the request; dropped from the field name ("body.metrics.x" → ...).
_LOCATIONS = {"body", "query", "path", "header", "cookie"}

_HTTP_CODES = {
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    413: PayloadTooLarge.code,
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def quotable(text: str) -> str:
    """``text`` made fit to answer: a message may quote the refused input, and that may be a
    token pasted by mistake (redacted) or hold a lone surrogate (escaped: not UTF-8)."""
    return printable(redact_tokens(text))


def error_response(exc: RunwayError) -> JSONResponse:
    body = {k: quotable(v) if isinstance(v, str) else v for k, v in exc.to_dict().items()}
    headers = None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    elif exc.status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="runway"'}
    return JSONResponse(status_code=exc.status, content={"error": body}, headers=headers)


# A refused value under one of these is never repeated in a message: it may be a secret.
SECRET_FIELDS = frozenset({"secrets", "secret", "secret_key", "token", "password"})


def _field_name(loc: Sequence[Any]) -> str:
    parts = list(loc)
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "body"


def invalid_input_from_errors(errors: Sequence[Any]) -> InvalidInput:
    """The first pydantic/FastAPI validation error as an ``InvalidInput`` naming its field."""
    if not errors:
        return InvalidInput("invalid request", field="body")
    first = errors[0]
    if first.get("type") == "json_invalid":
        loc = first.get("loc", ())
        pos = loc[-1] if loc and isinstance(loc[-1], int) else None
        reason = (first.get("ctx") or {}).get("error", first.get("msg", ""))
        return InvalidInput(
            f"request body is not valid JSON: {reason}"
            + (f" at character {pos}" if pos is not None else ""),
            field="body",
            position=pos,
        )
    field = _field_name(first.get("loc", ()))
    message = f"{field}: {first.get('msg', 'invalid value')}"
    if first.get("type") == "missing":
        message = f"{field}: field required"
    elif (
        "input" in first
        and not isinstance(first["input"], (dict, list))
        and not SECRET_FIELDS.intersection(map(str, first.get("loc", ())))
    ):
        message += f" (got {first['input']!r:.80})"
    more = len(errors) - 1
    if more:
        message += f" (and {more} more error{'s' if more > 1 else ''})"
    return InvalidInput(message, field=field)


async def _runway_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RunwayError)
    if isinstance(exc, ServerMisconfigured):
        # Every request fails the same way until an operator acts: say it once per app, loudly.
        reported: set[str] = request.app.state.reported_errors
        if exc.message not in reported:
            reported.add(exc.message)
            log.error("%s: %s", exc.code, exc.message)
    elif exc.status >= 500:
        log.warning("%s: %s", exc.code, exc.message)
    return error_response(exc)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(invalid_input_from_errors(exc.errors()))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        message = f"no route {request.method} {request.url.path}"
        body: dict[str, Any] = {"code": "NOT_FOUND", "message": quotable(message)}
    elif exc.status_code == 405:
        # Every method of the path, not only those of the one route routing tried first.
        allowed = allowed_methods(request.app, request.url.path)
        body = {
            "code": "METHOD_NOT_ALLOWED",
            "message": quotable(
                f"method {request.method} is not allowed on {request.url.path}; "
                f"allowed: {', '.join(allowed)}"
            ),
        }
        headers = {"Allow": ", ".join(allowed)}
        return JSONResponse(status_code=405, content={"error": body}, headers=headers)
    elif exc.status_code == 400:
        # FastAPI's own 400 is a body it could not decode (e.g. JSON nested past the parser's
        # depth): bad input like any other, so the same code and field as a validation error.
        return error_response(InvalidInput(f"request body: {exc.detail}", field="body"))
    else:
        code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        body = {"code": code, "message": quotable(str(exc.detail))}
    return JSONResponse(status_code=exc.status_code, content={"error": body}, headers=exc.headers)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    body = {"code": "INTERNAL", "message": "internal server error; the server log has details"}
    return JSONResponse(status_code=500, content={"error": body})


def install_error_handlers(app: FastAPI) -> None:
    app.state.reported_errors = set()
    app.add_exception_handler(RunwayError, _runway_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)
