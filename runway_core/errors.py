"""The typed errors every Runway layer raises and understands.

    RunwayError                 base; ``code`` is stable and documented, ``status`` the HTTP status
     ├─ InvalidInput            400  a value, key or body is wrong (``field`` names it)
     │   └─ InvalidFilter       400  a search filter or order_by does not parse (``position``)
     ├─ Unauthorized            401
     ├─ Forbidden               403
     ├─ NotFound                404  an id or name does not exist
     ├─ AlreadyExists           409  a unique name is taken
     ├─ Conflict                409  the write contradicts stored state (e.g. a param's value)
     ├─ UsageError              409  the API used out of order: logging before init(), or to a
     │                               finished run
     ├─ RequestTimeout          408  the request body stalled or came too slowly
     ├─ PayloadTooLarge         413
     ├─ TooManyRequests         429  e.g. too many failed authentications (``retry_after`` s)
     ├─ ServerMisconfigured     500  the server's own setup is wrong (e.g. its secret key); an
     │                               operator must act, the request itself was fine
     └─ StoreUnavailable        503  the store or server cannot be reached

The REST API maps ``status`` to the response and ``to_dict()`` to its body in one place;
``HttpStore`` turns the body back into the same class with ``error_from_dict``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class RunwayError(Exception):
    code: ClassVar[str] = "RUNWAY_ERROR"
    status: ClassVar[int] = 500

    def __init__(self, message: str, *, field: str | None = None, position: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.position = position

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.position is not None:
            body["position"] = self.position
        return body


class InvalidInput(RunwayError):
    code = "INVALID_INPUT"
    status = 400


class InvalidFilter(InvalidInput):
    code = "INVALID_FILTER"


class Unauthorized(RunwayError):
    code = "UNAUTHORIZED"
    status = 401


class Forbidden(RunwayError):
    code = "FORBIDDEN"
    status = 403


class NotFound(RunwayError):
    code = "NOT_FOUND"
    status = 404


class AlreadyExists(RunwayError):
    code = "ALREADY_EXISTS"
    status = 409


class Conflict(RunwayError):
    code = "CONFLICT"
    status = 409


class UsageError(RunwayError):
    """A call the run's state does not allow (a programming mistake, not bad data)."""

    code = "USAGE_ERROR"
    status = 409


class RequestTimeout(RunwayError):
    code = "REQUEST_TIMEOUT"
    status = 408


class PayloadTooLarge(RunwayError):
    code = "PAYLOAD_TOO_LARGE"
    status = 413


class TooManyRequests(RunwayError):
    code = "TOO_MANY_REQUESTS"
    status = 429

    def __init__(
        self,
        message: str,
        *,
        retry_after: int = 60,
        field: str | None = None,
        position: int | None = None,
    ):
        super().__init__(message, field=field, position=position)
        self.retry_after = retry_after

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "retry_after": self.retry_after}


class ServerMisconfigured(RunwayError):
    code = "SERVER_MISCONFIGURED"
    status = 500


class StoreUnavailable(RunwayError):
    code = "STORE_UNAVAILABLE"
    status = 503


_BY_CODE: dict[str, type[RunwayError]] = {
    cls.code: cls
    for cls in (
        InvalidInput,
        InvalidFilter,
        Unauthorized,
        Forbidden,
        NotFound,
        AlreadyExists,
        Conflict,
        UsageError,
        RequestTimeout,
        PayloadTooLarge,
        TooManyRequests,
        ServerMisconfigured,
        StoreUnavailable,
    )
}


def error_from_dict(body: dict[str, Any], status: int) -> RunwayError:
    """Rebuild the exception a server raised from its JSON error body."""
    cls = _BY_CODE.get(str(body.get("code")), RunwayError)
    message = str(body.get("message", f"HTTP {status}"))
    field, position = body.get("field"), body.get("position")
    if cls is TooManyRequests:
        wait = body.get("retry_after")
        retry_after = wait if isinstance(wait, int) and not isinstance(wait, bool) else 60
        return TooManyRequests(message, retry_after=retry_after, field=field, position=position)
    return cls(message, field=field, position=position)
