"""Limits on the size of a request, answered with the API's 413 error body naming the setting.

* The body size (``RUNWAY_MAX_BODY_BYTES``; ``RUNWAY_MAX_UPLOAD_BYTES`` for an artifact upload):
  Content-Length is checked before anything is read; a body without one (chunked) is counted as
  it streams. FastAPI turns an exception raised while
  it reads a body into a 400, so the middleware also replaces whatever response follows an
  overrun with the 413.
* String lengths (``RUNWAY_MAX_STRING_LENGTH``): no string (value or key) in a JSON body may be
  longer, whatever the field; fields with a stricter limit of their own keep it.
* Page sizes (``RUNWAY_MAX_PAGE_SIZE``): the most runs one search page may ask for.
* Counts (``RUNWAY_MAX_BATCH_KEYS`` keys of metrics, params or tags per run in one request,
  ``RUNWAY_MAX_BULK_RUNS`` runs in one registration): a request the server would hold in memory
  and write in one transaction stays bounded, and clients are told to split it, not to retry it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runway_core.config import Settings
from runway_core.errors import InvalidInput, PayloadTooLarge
from runway_core.schemas import RunCreate

from .errors import error_response

KEYS_SETTING = "RUNWAY_MAX_BATCH_KEYS"
RUNS_SETTING = "RUNWAY_MAX_BULK_RUNS"
STRING_SETTING = "RUNWAY_MAX_STRING_LENGTH"
PAGE_SETTING = "RUNWAY_MAX_PAGE_SIZE"


def _over(count: int, limit: int, what: str, setting: str, field: str) -> None:
    if count > limit:
        raise PayloadTooLarge(
            f"{field}: {count} {what} in one request; the limit is {limit} ({setting}); "
            "send them in several requests",
            field=field,
        )


def _leaves(params: Mapping[str, Any]) -> int:
    """How many params a (possibly nested) dict holds once flattened to dotted keys."""
    count = 0
    stack: list[Mapping[str, Any]] = [params]
    while stack:
        for value in stack.pop().values():
            if isinstance(value, Mapping):
                stack.append(value)
            else:
                count += 1
    return count


def check_params(params: Mapping[str, Any], settings: Settings, field: str = "params") -> None:
    _over(_leaves(params), settings.max_batch_keys, "params", KEYS_SETTING, field)


def check_tags(tags: Mapping[str, Any], settings: Settings, field: str = "tags") -> None:
    _over(len(tags), settings.max_batch_keys, "tags", KEYS_SETTING, field)


def check_metric_keys(metrics: Mapping[str, Any], settings: Settings) -> None:
    _over(len(metrics), settings.max_batch_keys, "metric keys", KEYS_SETTING, "metrics")


def check_runs(runs: Sequence[RunCreate], settings: Settings) -> None:
    """A registration of ``runs``: how many, and each one's params and tags."""
    _over(len(runs), settings.max_bulk_runs, "runs", RUNS_SETTING, "runs")
    for i, run in enumerate(runs):
        prefix = f"runs.{i}." if len(runs) > 1 else ""
        check_params(run.params, settings, prefix + "params")
        check_tags(run.tags, settings, prefix + "tags")


def check_page_size(limit: int, settings: Settings) -> None:
    """400 naming ``limit`` when a search asks for more runs than ``RUNWAY_MAX_PAGE_SIZE``."""
    if limit > settings.max_page_size:
        raise InvalidInput(
            f"limit: {limit} runs in one page; the most is {settings.max_page_size} "
            f"({PAGE_SETTING}); follow next_page_token for more",
            field="limit",
        )


# One JSON string token, escapes included (the unrolled form: fast on long strings).
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')


def _first_long_string(document: Any, limit: int) -> tuple[str, int] | None:
    """(dotted field, length) of the first string or key in ``document`` longer than ``limit``."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if len(value) > limit:
                return where or "body", len(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                path = f"{where}.{key[:40]}" if where else key[:40]
                if len(key) > limit:
                    return path, len(key)
                stack.append((path, item))
        elif isinstance(value, list):
            stack.extend((f"{where}.{i}" if where else str(i), v) for i, v in enumerate(value))
    return None


def long_string_error(body: bytes, limit: int) -> PayloadTooLarge | None:
    """413 naming the field when a string in the JSON ``body`` is longer than ``limit``.

    A string takes at least as many bytes as it has characters, so a body no longer than the
    limit is passed at once, and only a string token with more bytes than that is decoded.
    """
    if len(body) <= limit:
        return None
    for match in _JSON_STRING.finditer(body):
        if match.end() - match.start() - 2 <= limit:
            continue
        try:
            text = json.loads(match.group())
        except ValueError:
            continue  # not a string token after all; the route refuses bad JSON itself
        if len(text) <= limit:
            continue
        try:
            found = _first_long_string(json.loads(body), limit)
        except (ValueError, RecursionError):
            found = None
        field, length = found or ("body", len(text))
        return PayloadTooLarge(
            f"{field}: a string of {length} characters; the limit is {limit} ({STRING_SETTING})",
            field=field,
        )
    return None


def _too_large(limit: int, size: int | None = None, *, upload: bool = False) -> PayloadTooLarge:
    what = f"is {size} bytes; the limit is" if size is not None else "exceeds the limit of"
    if upload:
        return PayloadTooLarge(
            f"artifact upload {what} {limit} bytes (RUNWAY_MAX_UPLOAD_BYTES); nothing was stored",
            field="body",
        )
    return PayloadTooLarge(
        f"request body {what} {limit} bytes (RUNWAY_MAX_BODY_BYTES); send it in smaller parts",
        field="body",
    )


# Artifact uploads (PUT /api/v1/runs/{id}/artifacts/{path}, and MLflow's proxied
# PUT /api/2.0/mlflow-artifacts/artifacts/{path}) are spooled, never buffered in memory: they
# have a limit of their own (RUNWAY_MAX_UPLOAD_BYTES) instead of RUNWAY_MAX_BODY_BYTES.
_ARTIFACT_UPLOAD = re.compile(
    r"^/api/v1/runs/[^/]+/artifacts/.+|^/(api|ajax-api)/2\.0/mlflow-artifacts/artifacts/.+"
)


def is_artifact_upload(scope: Scope) -> bool:
    """A raw upload (Runway's or MLflow's artifact PUT), streamed and never buffered."""
    return scope.get("method") == "PUT" and bool(_ARTIFACT_UPLOAD.match(scope.get("path", "")))


def _closing(send: Send) -> Send:
    """``send`` for a response given before the body was read: the connection then closes."""

    async def closing_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message["headers"], (b"connection", b"close")]}
        await send(message)

    return closing_send


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = is_artifact_upload(scope)
        limit = self.max_upload_bytes if upload else self.max_bytes
        too_large = functools.partial(_too_large, limit, upload=upload)
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    break
                if declared > limit:
                    await error_response(too_large(declared))(scope, receive, _closing(send))
                    return
                break

        received = 0
        overrun: PayloadTooLarge | None = None
        replaced = False

        async def counting_receive() -> Message:
            nonlocal received, overrun
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    overrun = too_large()
                    raise overrun
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal replaced
            if overrun is None:
                await send(message)
            elif message["type"] == "http.response.start":
                replaced = True
                await error_response(overrun)(scope, receive, send)
            # The original response's body messages are dropped after a replacement.

        try:
            await self.app(scope, counting_receive, guarded_send)
        except PayloadTooLarge:
            if not replaced:
                await error_response(overrun or too_large())(scope, receive, send)
