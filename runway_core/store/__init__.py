"""Stores: one protocol, two transports; ``open_store(uri)`` picks one by the URI's scheme."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runway_core.store.protocol import Store

if TYPE_CHECKING:
    import httpx

    from runway_core.store.http import HttpStore
    from runway_core.store.sql import SqlStore

    # Never run: mypy checks here that both implementations' types match the protocol.
    def _sql_is_a_store(store: SqlStore) -> Store:
        return store

    def _http_is_a_store(store: HttpStore) -> Store:
        return store


def open_store(
    uri: str | None = None, *, client: httpx.Client | None = None, token: str | None = None
) -> Store:
    """``http(s)://`` → ``HttpStore``; a SQLAlchemy URL, a path or nothing → ``SqlStore``.

    ``token``: the API token sent to a server (``None``: ``RUNWAY_TOKEN``; ``""``: none)."""
    from runway_core.config import is_http, resolve_tracking_uri

    uri = resolve_tracking_uri(uri)
    if is_http(uri):
        from runway_core.store.http import HttpStore

        return HttpStore(uri, client=client, token=token)
    return open_sql_store(uri)


def open_sql_store(uri: str, **kwargs: Any) -> SqlStore:
    """``SqlStore(uri)``, or one readable error when the ``local`` extra is not installed."""
    try:
        import sqlalchemy  # noqa: F401
        import sqlmodel  # noqa: F401
    except ImportError:
        from runway_core.errors import InvalidInput

        raise InvalidInput(
            f"{uri} is a database, and the embedded store needs SQLAlchemy: "
            "pip install 'runway-tracker[local]' (or set RUNWAY_TRACKING_URI to a runway "
            "server's http:// URL)",
            field="tracking_uri",
        ) from None
    from runway_core.store.sql import SqlStore

    return SqlStore(uri, **kwargs)


__all__ = ["Store", "open_sql_store", "open_store"]
