"""Refuse text Runway cannot store before any route runs: one 400 naming the field, every route.

Everything Runway stores is valid UTF-8 without NUL (PostgreSQL refuses both; SQLite's driver
fails on lone surrogates), so this middleware refuses, for every route at once:

* in the URL path: bytes that are not UTF-8 (the server would decode them to U+FFFD and store
  that), NUL and other control characters (a newline made routing answer 404, or drop the end of
  a key and address another one), naming the path parameter;
* in the query string: bytes that are not UTF-8, and NUL, naming the parameter;
* in a JSON body: bytes that are not UTF-8, and a string or key holding a lone surrogate (an
  unpaired ``\\udcff`` escape, which JSON allows and Python decodes), naming the field as
  validation errors do (``tags.a``).

It also refuses (413) a JSON body holding a string longer than ``RUNWAY_MAX_STRING_LENGTH``
characters (``api.limits.long_string_error``). Artifact uploads (raw bytes) are not scanned. The
body check runs inside the size limit, so it never buffers more than ``RUNWAY_MAX_BODY_BYTES``.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runway_core.errors import InvalidInput, RunwayError
from runway_core.validation import LONE_SURROGATE, key_not_utf8, printable

from .errors import error_response
from .limits import is_artifact_upload, long_string_error
from .routemap import app_routes

# A control character (C0, DEL, C1) or a lone surrogate (an undecodable byte, after decoding with
# surrogateescape).
_BAD_IN_PATH = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Any \uD800-\uDFFF escape in JSON bytes: only then can a decoded string hold a lone surrogate.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
# Stands in for a refused character while finding the route, so the parameter holding it is known.
_MARK = "\ue000"
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _path_param(scope: Scope, path: str) -> str:
    """The name of the path parameter holding ``_MARK`` in ``path`` (``path`` if none does)."""
    for prefix, route in app_routes(scope.get("app")):
        if not path.startswith(prefix):
            continue
        match = route.path_regex.match(path[len(prefix) :])
        if match is None:
            continue
        for name in match.groupdict():
            if _MARK in (match.group(name) or ""):
                return str(name)
        break
    return "path"


def _path_error(scope: Scope) -> InvalidInput | None:
    raw = scope.get("raw_path")
    # raw_path keeps the bytes the client sent; "path" already had them replaced by U+FFFD.
    text = (
        unquote_to_bytes(raw).decode("utf-8", "surrogateescape")
        if raw
        else str(scope.get("path", ""))
    )
    bad = _BAD_IN_PATH.search(text)
    if bad is None:
        return None
    name = _path_param(scope, _BAD_IN_PATH.sub(_MARK, text))
    char = bad.group()
    if "\ud800" <= char <= "\udfff":
        return InvalidInput(
            f"{name}: the URL path is not valid UTF-8 (byte %{ord(char) - 0xDC00:02X}); "
            "percent-encode the UTF-8 bytes of the text",
            field=name,
        )
    if char == "\x00":
        return InvalidInput(f"{name} must not contain NUL characters (%00)", field=name)
    return InvalidInput(
        f"{name} must not contain control characters (got %{ord(char):02X} in the URL path)",
        field=name,
    )


def _query_error(scope: Scope) -> InvalidInput | None:
    query: bytes = scope.get("query_string", b"")
    if not query or (b"%" not in query and b"\x00" not in query and query.isascii()):
        return None
    for pair in query.split(b"&"):
        raw_name, _, raw_value = pair.partition(b"=")
        name_bytes = unquote_to_bytes(raw_name.replace(b"+", b" "))
        name = printable(name_bytes.decode("utf-8", "replace").replace("\x00", "")) or "query"
        for part in (name_bytes, unquote_to_bytes(raw_value.replace(b"+", b" "))):
            try:
                text = part.decode("utf-8")
            except UnicodeDecodeError:
                return InvalidInput(
                    f"{name}: the query string is not valid UTF-8; percent-encode the UTF-8 "
                    "bytes of the text",
                    field=name,
                )
            if "\x00" in text:
                return InvalidInput(f"{name} must not contain NUL characters (%00)", field=name)
    return None


def _lone_surrogate_field(document: Any) -> tuple[str, bool] | None:
    """The dotted path of the first string or key in ``document`` holding a lone surrogate, and
    whether it is a key."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if LONE_SURROGATE.search(value):
                return where or "body", False
        elif isinstance(value, dict):
            for key, item in value.items():
                path = f"{where}.{key}" if where else str(key)
                if LONE_SURROGATE.search(key):
                    return path, True
                stack.append((path, item))
        elif isinstance(value, list):
            stack.extend((f"{where}.{i}" if where else str(i), v) for i, v in enumerate(value))
    return None


def _body_error(body: bytes) -> InvalidInput | None:
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            return InvalidInput(
                f"request body is not valid UTF-8 (byte 0x{body[exc.start]:02X} at position "
                f"{exc.start}); JSON bodies must be UTF-8",
                field="body",
                position=exc.start,
            )
    if not _SURROGATE_ESCAPE.search(body):
        return None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON: the route refuses it with its own message
    found = _lone_surrogate_field(document)
    if found is None:
        return None  # every surrogate escape was half of a pair: an emoji, say
    field, is_key = printable(found[0]), found[1]
    if is_key:  # the same words as the stores and the SDK use for a key
        return key_not_utf8(field)
    return InvalidInput(
        f"{field}: the text holds a lone surrogate (an unpaired \\ud800-\\udfff escape), which is "
        "not valid UTF-8; Runway stores only UTF-8 text",
        field=field,
    )


class RefuseUnstorableText:
    def __init__(self, app: ASGIApp, max_string_length: int | None = None) -> None:
        self.app = app
        self.max_string_length = max_string_length

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        err: RunwayError | None = _path_error(scope) or _query_error(scope)
        if err is not None:
            await error_response(err)(scope, receive, send)
            return
        if scope.get("method") not in _BODY_METHODS or is_artifact_upload(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        first: Message = {"type": "http.request", "body": b"", "more_body": False}
        while True:
            message = await receive()
            if message["type"] != "http.request":
                first = message  # the client went away: let the app see it
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                first = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                break
        if first["type"] == "http.request":
            body = first["body"]
            err = _body_error(body)
            if err is None and self.max_string_length is not None:
                err = long_string_error(body, self.max_string_length)
            if err is not None:
                await error_response(err)(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return first
            return await receive()

        await self.app(scope, replay, send)
