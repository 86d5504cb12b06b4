"""Open a store of each kind the conformance and search tests run on (one fresh database each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runway_core.store import Store

KINDS = ["sqlite", "postgres", "http"]
# One Fernet key for the credentials of every store these tests open (never the user's key file).
SECRET_KEY = "UZ5Nt3Q-3UbGEj5bbUFi0xb4gJ0Yd2XQ9cM9O2zRkqs="


def open_store(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """SqlStore on SQLite or PostgreSQL, or HttpStore over the REST API (FastAPI's TestClient,
    an httpx.Client) on a SQLite-backed app; closed with the test."""
    if kind in ("sqlite", "postgres"):
        from runway_core.store.sql import SqlStore

        uri = request.getfixturevalue("sqlite_uri" if kind == "sqlite" else "pg_uri")
        sql = SqlStore(uri, artifacts_uri=str(tmp_path / "artifacts"), secret_key=SECRET_KEY)
        request.addfinalizer(sql.close)
        return sql
    from fastapi.testclient import TestClient

    from runway.api.app import create_app
    from runway_core.config import Settings
    from runway_core.store.http import HttpStore

    settings = Settings(
        backend_uri=request.getfixturevalue("sqlite_uri"),
        artifacts_uri=str(tmp_path / "artifacts"),
        secret_key=SECRET_KEY,
    )
    client = TestClient(create_app(settings))
    client.__enter__()
    http = HttpStore("http://testserver", client=client)
    request.addfinalizer(lambda: client.__exit__(None, None, None))
    request.addfinalizer(http.close)
    return http
