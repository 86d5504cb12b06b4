"""A deadline on every request body, so no client holds a connection or an upload slot for ever
by sending nothing, or almost nothing.

* Stall: no bytes for ``RUNWAY_BODY_TIMEOUT`` seconds (default 20) ends the request with 408.
* Trickle: the body must average ``RUNWAY_BODY_MIN_RATE`` bytes per second (default 500) after a
  grace of ``RUNWAY_BODY_TIMEOUT`` seconds: the deadline is ``start + timeout + received / rate``,
  Apache's ``mod_reqtimeout body=20,MinRate=500``. A 1-byte/s trickle ends after about 20 s; a
  large upload at any usable speed never meets it.

The 408 (``REQUEST_TIMEOUT``) replaces whatever response follows the timeout (FastAPI answers
400 for an error raised while it reads a JSON body), unless the route answered 408 itself in its
own shape (the MLflow routes). A response sent before its request body was read to the end (this
408, a 413, 429 or 401 on an upload) closes the connection: the unread rest is never parsed.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runway_core.errors import RequestTimeout

from .errors import error_response

TIMEOUT_SETTING = "RUNWAY_BODY_TIMEOUT"
RATE_SETTING = "RUNWAY_BODY_MIN_RATE"


class _BodyClock:
    """How long the next read of one request's body may wait, and the error when it cannot."""

    def __init__(self, timeout: float, min_rate: int) -> None:
        self.timeout = timeout
        self.min_rate = min_rate
        self.started: float | None = None
        self.received = 0

    def next_wait(self, now: float) -> tuple[float, RequestTimeout]:
        if self.started is None:
            self.started = now
        stalled = RequestTimeout(
            f"request body: no bytes for {self.timeout:g} s ({TIMEOUT_SETTING}); "
            "nothing was stored",
            field="body",
        )
        if not self.min_rate:
            return self.timeout, stalled
        left = self.started + self.timeout + self.received / self.min_rate - now
        if left >= self.timeout:
            return self.timeout, stalled
        slow = RequestTimeout(
            f"request body: {self.received} bytes in {now - self.started:.0f} s, slower than "
            f"{self.min_rate} bytes/s ({RATE_SETTING}); nothing was stored",
            field="body",
        )
        return max(left, 0.0), slow


class BodyDeadline:
    def __init__(self, app: ASGIApp, timeout: float, min_rate: int) -> None:
        self.app = app
        self.timeout = timeout
        self.min_rate = min_rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        clock = _BodyClock(self.timeout, self.min_rate)
        body_done = False
        timed_out: RequestTimeout | None = None
        started = replaced = False

        async def bounded_receive() -> Message:
            nonlocal body_done, timed_out
            if body_done:
                return await receive()  # waiting for a disconnect is not bounded here
            wait, error = clock.next_wait(loop.time())
            try:
                if wait <= 0:
                    raise TimeoutError
                message = await asyncio.wait_for(receive(), wait)
            except TimeoutError:
                timed_out = error
                raise error from None
            if message["type"] == "http.request":
                clock.received += len(message.get("body", b""))
                body_done = not message.get("more_body", False)
            else:
                body_done = True  # the client went away
            return message

        async def closing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and not body_done:
                headers = [*message.get("headers", []), (b"connection", b"close")]
                message = {**message, "headers": headers}
            await send(message)

        async def guarded_send(message: Message) -> None:
            nonlocal started, replaced
            if message["type"] == "http.response.start":
                started = True
                if timed_out is not None and message.get("status") != 408:
                    replaced = True
                    await error_response(timed_out)(scope, receive, closing_send)
                    return
            if not replaced:  # the original response's body is dropped after a replacement
                await closing_send(message)

        try:
            await self.app(scope, bounded_receive, guarded_send)
        except RequestTimeout as exc:
            if exc is not timed_out:
                raise
            if not started:
                await error_response(exc)(scope, receive, closing_send)
