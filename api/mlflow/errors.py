"""MLflow's error shape for the MLflow routes only: ``{"error_code": …, "message": …}``.

The MLflow routers use ``MlflowRoute``, which turns what a handler raises (Runway's errors and
request validation) into the body and status the MLflow client expects; Runway's ``/api/v1``
routes keep their own shape because they never pass through here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from runway_core.errors import (
    AlreadyExists,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RequestTimeout,
    RunwayError,
    StoreUnavailable,
    TooManyRequests,
    Unauthorized,
)

from ..errors import invalid_input_from_errors, quotable

log = logging.getLogger("runway.api.mlflow")

# Runway error → (MLflow error code, HTTP status); the MLflow client picks exceptions by code.
_CODES: list[tuple[type[RunwayError], str, int]] = [
    (NotFound, "RESOURCE_DOES_NOT_EXIST", 404),
    (AlreadyExists, "RESOURCE_ALREADY_EXISTS", 400),
    (Conflict, "INVALID_STATE", 400),
    (PayloadTooLarge, "INVALID_PARAMETER_VALUE", 400),
    (InvalidInput, "INVALID_PARAMETER_VALUE", 400),
    (Unauthorized, "UNAUTHENTICATED", 401),
    (Forbidden, "PERMISSION_DENIED", 403),
    (StoreUnavailable, "TEMPORARILY_UNAVAILABLE", 503),
    (TooManyRequests, "REQUEST_LIMIT_EXCEEDED", 429),
    (RequestTimeout, "DEADLINE_EXCEEDED", 408),
]


class MlflowError(RunwayError):
    """An error with an MLflow code of its own (``ENDPOINT_NOT_FOUND``, ``INVALID_STATE`` …)."""

    def __init__(self, message: str, error_code: str, status: int = 400) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.http_status = status


def mlflow_error_response(
    error_code: str, message: str, status: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        status_code=status,
        content={"error_code": error_code, "message": quotable(message)},
        headers=headers,
    )


def to_mlflow_response(exc: Exception) -> JSONResponse:
    if isinstance(exc, RequestValidationError):
        exc = invalid_input_from_errors(exc.errors())
    if isinstance(exc, MlflowError):
        return mlflow_error_response(exc.error_code, exc.message, exc.http_status)
    if isinstance(exc, RunwayError):
        for cls, code, status in _CODES:
            if isinstance(exc, cls):
                headers = None
                if isinstance(exc, TooManyRequests):
                    headers = {"Retry-After": str(exc.retry_after)}
                return mlflow_error_response(code, exc.message, status, headers)
        log.warning("%s: %s", exc.code, exc.message)
        return mlflow_error_response("INTERNAL_ERROR", exc.message, exc.status)
    log.exception("unhandled error in an MLflow route", exc_info=exc)
    return mlflow_error_response(
        "INTERNAL_ERROR", "internal server error; the server log has details", 500
    )


class MlflowRoute(APIRoute):
    """A route whose errors come out in MLflow's shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                return to_mlflow_response(exc)

        return handle
