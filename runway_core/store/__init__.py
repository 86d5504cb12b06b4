"""Stores: one protocol, two transports; ``open_store(uri)`` picks one by the URI's scheme."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runway_core.store.protocol import Store

if TYPE_CHECKING:
    import httpx


def open_store(uri: str | None = None, *, client: httpx.Client | None = None) -> Store:
    """``http(s)://`` → ``HttpStore``; a SQLAlchemy URL, a path or nothing → ``SqlStore``."""
    from runway_core.config import default_tracking_uri

    uri = uri or default_tracking_uri()
    if uri.startswith(("http://", "https://")):
        from runway_core.store.http import HttpStore

        return HttpStore(uri, client=client)
    from runway_core.store.sql import SqlStore

    return SqlStore(uri)


__all__ = ["Store", "open_store"]
