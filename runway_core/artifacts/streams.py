"""Small file-like adapters: an iterator of byte chunks read as a stream, and chunked copying."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO, cast

CHUNK_SIZE = 1024 * 1024


class ChunkReader(io.RawIOBase):
    """A readable, non-seekable stream over an iterator of ``bytes`` chunks."""

    def __init__(self, chunks: Iterable[bytes], on_close: Callable[[], None] | None = None):
        self._chunks: Iterator[bytes] = iter(chunks)
        self._pending = b""
        self._on_close = on_close

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        if not self.closed and self._on_close is not None:
            self._on_close()
        super().close()


def as_binary_io(raw: io.RawIOBase) -> BinaryIO:
    return cast(BinaryIO, io.BufferedReader(raw, buffer_size=CHUNK_SIZE))


def iter_chunks(stream: BinaryIO, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Read ``stream`` to its end in chunks, then close it."""
    try:
        while True:
            chunk = stream.read(chunk_size)
            if not chunk:
                return
            yield chunk
    finally:
        stream.close()
