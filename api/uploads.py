"""Artifact uploads that hold no request thread while the client sends.

The body is read on the event loop (each wait bounded by ``api.body_deadline``) and spooled to
an anonymous temporary file (in ``TMPDIR``) by a small thread pool of its own. The artifact store
(local folder or S3) reads that spool in another small pool: a body up to ``STREAM_AFTER`` bytes
once it is whole, a larger one while it still arrives, so a big checkpoint is answered soon after
its last byte rather than after a second full copy. A slow or stalled client costs a coroutine
and a socket, never one of the threads that answer other requests (a store thread may wait for
a large body's next bytes, for at most the body deadline); a body cut short, too slow or too
large leaves nothing stored.

Each user (each client address with authentication off) may have ``RUNWAY_UPLOADS_PER_USER``
uploads in progress at once, counted per worker process; one more is answered 429 with
``Retry-After``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import tempfile
import threading
from collections.abc import AsyncGenerator, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, BinaryIO, TypeVar

from fastapi import Request
from starlette.requests import ClientDisconnect

from runway_core.artifacts.streams import as_binary_io
from runway_core.errors import InvalidInput, TooManyRequests

SPOOL_THREADS = 4  # threads writing spooled bodies to disk (each write is one block)
STORE_THREADS = 8  # threads handing spooled bodies to the artifact store
SPOOL_BLOCK = 1024 * 1024  # bytes gathered on the event loop before one write
STREAM_AFTER = 16 * 1024 * 1024  # a body past this size is stored while it still arrives
RETRY_AFTER = 5  # seconds, for a caller over its concurrent-upload limit
SETTING = "RUNWAY_UPLOADS_PER_USER"

T = TypeVar("T")


class _Abandoned(Exception):
    """Raised in the store's thread when the body it reads failed (the store then keeps
    nothing); the request answers with the body's own error."""


class _Spool(io.RawIOBase):
    """An anonymous temporary file the event loop's side appends to, read by the store's thread
    as it grows (``os.pread``: the reader keeps its own position)."""

    def __init__(self) -> None:
        # Unlinked at once on Linux: a crash leaves no half-written file behind.
        self._file = tempfile.TemporaryFile(prefix="runway-upload-", buffering=0)  # noqa: SIM115 (closed by discard)
        self._fd = self._file.fileno()
        self._changed = threading.Condition()
        self.size = 0
        self._pos = 0
        self._ended = False
        self._failed = False

    def append(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        with self._changed:
            self.size += len(data)
            self._changed.notify_all()

    def end(self, *, failed: bool = False) -> None:
        with self._changed:
            self._ended, self._failed = True, failed
            self._changed.notify_all()

    def discard(self) -> None:
        self._file.close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with self._changed:
            while self._pos >= self.size and not self._ended:
                self._changed.wait()
            if self._failed:
                raise _Abandoned("the upload's body did not arrive whole")
            available = self.size - self._pos
        data = os.pread(self._fd, min(len(buffer), available), self._pos)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


class Uploads:
    """The uploads in progress in this worker, per caller, and the pools that serve them."""

    def __init__(self, per_user: int) -> None:
        self.per_user = per_user
        self._open: dict[str, int] = {}
        self._pools: tuple[ThreadPoolExecutor, ThreadPoolExecutor] | None = None

    def _executors(self) -> tuple[ThreadPoolExecutor, ThreadPoolExecutor]:
        if self._pools is None:  # made at first use, again after close(): an app may restart
            self._pools = (
                ThreadPoolExecutor(SPOOL_THREADS, thread_name_prefix="runway-spool"),
                ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="runway-upload"),
            )
        return self._pools

    def close(self) -> None:
        """Let the pools' threads end once their work is done (at the app's shutdown)."""
        if self._pools is not None:
            for pool in self._pools:
                pool.shutdown(wait=False)
            self._pools = None

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

    async def take(self, request: Request, store: Callable[[BinaryIO], T]) -> T:
        """Receive ``request``'s body and call ``store`` with it (a readable stream) in the
        upload pool; return what ``store`` returns."""
        loop = asyncio.get_running_loop()
        writers, stores = self._executors()
        with self._slot(_caller(request)):
            spool = await loop.run_in_executor(writers, _Spool)
            writing: Future[None] | None = None
            stored: Future[T] | None = None
            try:
                try:
                    async with contextlib.aclosing(_blocks(request)) as blocks:
                        async for block in blocks:
                            writing = writers.submit(spool.append, block)
                            await asyncio.wrap_future(writing)
                            if stored is None and spool.size > STREAM_AFTER:
                                stored = stores.submit(store, as_binary_io(spool))
                            if stored is not None and stored.done():
                                break  # the store refused it (its error is raised below)
                except BaseException:
                    spool.end(failed=True)
                    if stored is not None:
                        with contextlib.suppress(BaseException):
                            await asyncio.wrap_future(stored)
                    raise
                spool.end()
                if stored is None:
                    stored = stores.submit(store, as_binary_io(spool))
                return await asyncio.wrap_future(stored)
            finally:
                _discard_when_idle(spool, writing, stored)


def _discard_when_idle(spool: _Spool, *work: Future[Any] | None) -> None:
    """Close the spool now, or (after a cancellation) once the threads still using it are done:
    its descriptor must not be closed, and reused, under a thread's read or write."""
    busy = [f for f in work if f is not None and not f.done()]
    if not busy:
        spool.discard()
        return
    spool.end(failed=True)
    remaining = len(busy)
    lock = threading.Lock()

    def one_done(_: Future[Any]) -> None:
        nonlocal remaining
        with lock:
            remaining -= 1
            last = remaining == 0
        if last:
            spool.discard()

    for future in busy:
        future.add_done_callback(one_done)


def uploads(request: Request) -> Uploads:
    found: Uploads = request.app.state.uploads
    return found


def _caller(request: Request) -> str:
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        return f"user {principal.name!r}"
    return f"address {request.client.host if request.client else 'unknown'}"


async def _blocks(request: Request) -> AsyncGenerator[bytes, None]:
    """The body in blocks of at least ``SPOOL_BLOCK`` bytes (the last may be shorter)."""
    block: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            block.append(chunk)
            size += len(chunk)
            if size >= SPOOL_BLOCK:
                yield b"".join(block)
                block, size = [], 0
    except ClientDisconnect:
        raise InvalidInput(
            "the upload was cut off before its end; nothing was stored", field="body"
        ) from None
    if block:
        yield b"".join(block)
