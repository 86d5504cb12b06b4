"""Refuse a NUL character in a request's path or query string with the API's 400 error body.

PostgreSQL cannot compare text holding NUL, so without this a lookup by such an id or name is a
404 on SQLite but a database error on PostgreSQL; refusing it up front answers alike on both.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from runway_core.errors import InvalidInput

from .errors import error_response


def _nul_in(scope: Scope) -> InvalidInput | None:
    if "\x00" in scope.get("path", ""):
        return InvalidInput("the URL path must not contain NUL characters (%00)", field="path")
    query = scope.get("query_string", b"")
    if b"%00" in query or b"\x00" in query:
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if "\x00" in name or "\x00" in value:
                field = name.replace("\x00", "")
                return InvalidInput(f"{field} must not contain NUL characters (%00)", field=field)
    return None


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            err = _nul_in(scope)
            if err is not None:
                await error_response(err)(scope, receive, send)
                return
        await self.app(scope, receive, send)
