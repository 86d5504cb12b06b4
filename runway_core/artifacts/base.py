"""The ``ArtifactStore`` protocol: bytes kept once under their sha256, whatever the backend."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import BinaryIO, Protocol, runtime_checkable

from runway_core.errors import InvalidInput

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def check_sha256(sha256: str) -> str:
    if not isinstance(sha256, str) or not _SHA_RE.match(sha256):
        raise InvalidInput(f"not a sha256 hex digest: {sha256!r}", field="sha256")
    return sha256


def object_key(sha256: str) -> str:
    """``objects/ab/cdef…``: two hex characters of fan-out keep folders small."""
    check_sha256(sha256)
    return f"objects/{sha256[:2]}/{sha256[2:]}"


@dataclass(frozen=True)
class S3Credentials:
    """Keys for the S3 store; ``name`` is the Runway credential they came from, for messages."""

    access_key_id: str | None = None
    secret_access_key: str | None = None
    endpoint_url: str | None = None
    region: str | None = None
    name: str | None = None

    def __repr__(self) -> str:  # never print the secret
        return f"S3Credentials(name={self.name!r}, endpoint_url={self.endpoint_url!r})"


@runtime_checkable
class ArtifactStore(Protocol):
    """Content-addressed blob storage. ``put`` streams; nothing is read whole into memory."""

    uri: str

    def put(self, stream: BinaryIO) -> tuple[str, int]:
        """Store the stream's bytes once; return (sha256 hex, size). Atomic: all or nothing."""
        ...

    def open(self, sha256: str) -> BinaryIO:
        """A stream of the stored bytes (read sequentially); ``NotFound`` when absent."""
        ...

    def open_seekable(self, sha256: str) -> BinaryIO:
        """A seekable stream, for formats that need random access (zip)."""
        ...

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int: ...

    def delete(self, sha256: str) -> None: ...

    def check(self) -> None:
        """Raise ``StoreUnavailable`` (saying why) unless the storage answers; for ``/healthz``."""
        ...
