"""The errors Runway raises, for ``except runway.errors.Unauthorized:`` (``runway_core.errors``
draws the hierarchy and the HTTP status of each)."""

from __future__ import annotations

from runway_core.errors import (
    AlreadyExists,
    Conflict,
    Forbidden,
    InvalidFilter,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RunwayError,
    ServerMisconfigured,
    StoreUnavailable,
    TooManyRequests,
    Unauthorized,
    UsageError,
)

__all__ = [
    "AlreadyExists",
    "Conflict",
    "Forbidden",
    "InvalidFilter",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "RunwayError",
    "ServerMisconfigured",
    "StoreUnavailable",
    "TooManyRequests",
    "Unauthorized",
    "UsageError",
]
