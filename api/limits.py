"""Request body size limit (``settings.max_body_bytes``) answered with the API's 413 error body.

Content-Length is checked before anything is read; a body without one (chunked) is counted as it
streams. FastAPI turns an exception raised while it reads a body into a 400, so the middleware
also replaces whatever response follows an overrun with the 413.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runway_core.errors import PayloadTooLarge

from .errors import error_response


def _too_large(limit: int, size: int | None = None) -> PayloadTooLarge:
    what = f"is {size} bytes; the limit is" if size is not None else "exceeds the limit of"
    return PayloadTooLarge(
        f"request body {what} {limit} bytes (RUNWAY_MAX_BODY_BYTES); send it in smaller parts",
        field="body",
    )


# Artifact uploads (PUT /api/v1/runs/{id}/artifacts/{path}) stream to storage: no size limit.
_ARTIFACT_UPLOAD = re.compile(r"^/api/v1/runs/[^/]+/artifacts/.+")


def _is_artifact_upload(scope: Scope) -> bool:
    return scope.get("method") == "PUT" and bool(_ARTIFACT_UPLOAD.match(scope.get("path", "")))


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_artifact_upload(scope):
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    break
                if declared > limit:
                    await error_response(_too_large(limit, declared))(scope, receive, send)
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
                    overrun = _too_large(limit)
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
                await error_response(overrun or _too_large(limit))(scope, receive, send)
