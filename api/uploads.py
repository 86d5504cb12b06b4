"""Artifact uploads that hold no request thread while the client sends.

The body is read on the event loop (each wait bounded by ``api.body_deadline``) and spooled to
an anonymous temporary file (in ``TMPDIR``) by a small thread pool of its own; only the whole
file is handed to the artifact store (local folder or S3), in another small pool. A slow or
stalled client costs a coroutine and a socket, never one of the threads that answer other
requests; a body cut short, too slow or too large leaves nothing stored.

Each user (each client address with authentication off) may have ``RUNWAY_UPLOADS_PER_USER``
uploads in progress at once, counted per worker process; one more is answered 429 with
``Retry-After``.
"""

from __future__ import annotations

import contextlib
import functools
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from typing import IO, Any, BinaryIO, TypeVar, cast

import anyio
from anyio import to_thread
from fastapi import Request
from starlette.requests import ClientDisconnect

from runway_core.errors import InvalidInput, TooManyRequests

SPOOL_THREADS = 4  # threads writing spooled bodies to disk (each write is one block)
STORE_THREADS = 4  # threads handing spooled files to the artifact store
SPOOL_BLOCK = 1024 * 1024  # bytes gathered on the event loop before one write
RETRY_AFTER = 5  # seconds, for a caller over its concurrent-upload limit
SETTING = "RUNWAY_UPLOADS_PER_USER"

T = TypeVar("T")


class Uploads:
    """The uploads in progress in this worker, per caller, and the pools that serve them."""

    def __init__(self, per_user: int) -> None:
        self.per_user = per_user
        self._open: dict[str, int] = {}
        self._spool = anyio.CapacityLimiter(SPOOL_THREADS)
        self._store = anyio.CapacityLimiter(STORE_THREADS)

    @contextlib.contextmanager
    def _slot(self, who: str) -> Iterator[None]:
        # Only the event loop's thread counts here: no lock needed.
        held = self._open.get(who, 0)
        if held >= self.per_user:
            raise TooManyRequests(
                f"{who} already has {held} artifact uploads in progress; the limit is "
                f"{self.per_user} at once ({SETTING}); retry when one has ended",
                retry_after=RETRY_AFTER,
            )
        self._open[who] = held + 1
        try:
            yield
        finally:
            left = self._open[who] - 1
            if left:
                self._open[who] = left
            else:
                del self._open[who]

    @contextlib.asynccontextmanager
    async def receive(self, request: Request) -> AsyncIterator[BinaryIO]:
        """Hold one of the caller's upload slots; yield the whole body, spooled, read from its
        start. The spool is gone when the block ends, whatever happened."""
        with self._slot(_caller(request)):
            spool = await to_thread.run_sync(_new_spool, limiter=self._spool)
            try:
                await self._fill(spool, request)
                yield cast(BinaryIO, spool)
            finally:
                spool.close()

    async def _fill(self, spool: IO[bytes], request: Request) -> None:
        block: list[bytes] = []
        size = 0
        try:
            async for chunk in request.stream():
                block.append(chunk)
                size += len(chunk)
                if size >= SPOOL_BLOCK:
                    await to_thread.run_sync(spool.write, b"".join(block), limiter=self._spool)
                    block, size = [], 0
        except ClientDisconnect:
            raise InvalidInput(
                "the upload was cut off before its end; nothing was stored", field="body"
            ) from None
        block.append(b"")
        await to_thread.run_sync(_finish, spool, b"".join(block), limiter=self._spool)

    async def store(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` (a store's ``log_artifact``) in the upload pool."""
        return await to_thread.run_sync(functools.partial(fn, *args, **kwargs), limiter=self._store)


def uploads(request: Request) -> Uploads:
    found: Uploads = request.app.state.uploads
    return found


def _caller(request: Request) -> str:
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        return f"user {principal.name!r}"
    return f"address {request.client.host if request.client else 'unknown'}"


def _new_spool() -> IO[bytes]:
    # Anonymous (unlinked at once on Linux): a crash leaves no half-written file behind.
    return tempfile.TemporaryFile(prefix="runway-upload-")


def _finish(spool: IO[bytes], rest: bytes) -> None:
    spool.write(rest)
    spool.flush()
    spool.seek(0)
