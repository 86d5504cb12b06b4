"""Every response carries the security headers; CORS stays closed until RUNWAY_CORS_ORIGINS opens
it, and then only for the origins it names."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runway.api.app import create_app
from runway_core.config import Settings

from .conftest import API, ok

ALWAYS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "referrer-policy": "no-referrer",
}


def _has_security_headers(response) -> None:  # type: ignore[no-untyped-def]
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, (response.request.url, name)


def test_json_answers_errors_and_refusals_carry_the_headers(
    client: TestClient, run: dict[str, str]
) -> None:
    responses = [
        client.get("/healthz"),
        client.get(f"{API}/projects"),
        client.get(f"{API}/runs/nope"),  # 404 from a route
        client.get("/no/such/route"),  # 404 from routing
        client.post(f"{API}/projects", content=b"{", headers={"content-type": "application/json"}),
        client.post(f"{API}/projects", content=b"x" * 70_000_000),  # 413 from the size limit
    ]
    assert [r.status_code for r in responses] == [200, 200, 404, 404, 400, 413]
    for response in responses:
        _has_security_headers(response)
        assert response.headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in response.headers  # plain http


def test_downloads_carry_the_headers_but_keep_their_own_caching(
    client: TestClient, run: dict[str, str]
) -> None:
    url = f"{API}/runs/{run['id']}/artifacts/notes.txt"
    ok(client.put(url, content=b"hello"), 201)
    download = client.get(url)
    assert download.content == b"hello"
    _has_security_headers(download)
    assert download.headers.get("cache-control") != "no-store"  # not JSON: not ours to decide
    _has_security_headers(client.get("/metrics"))


def test_hsts_only_over_https(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app, base_url="https://runway.example") as https:
        response = https.get(f"{API}/projects")
    assert response.status_code == 200
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    # Behind a proxy, Uvicorn sets the scheme from X-Forwarded-Proto of a trusted proxy; a
    # client's own header on a direct request changes nothing here.
    with TestClient(app) as plain:
        spoofed = plain.get(f"{API}/projects", headers={"x-forwarded-proto": "https"})
    assert "strict-transport-security" not in spoofed.headers


PREFLIGHT = {
    "origin": "https://dash.example.com",
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type",
}


def test_cors_is_closed_by_default(client: TestClient) -> None:
    preflight = client.options(f"{API}/projects", headers=PREFLIGHT)
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
    simple = client.get(f"{API}/projects", headers={"origin": "https://dash.example.com"})
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers


def test_cors_origins_open_it_for_those_origins_only(
    monkeypatch: pytest.MonkeyPatch, sqlite_uri: str, tmp_path: Path
) -> None:
    monkeypatch.setenv("RUNWAY_CORS_ORIGINS", "https://dash.example.com, https://other.example/")
    settings = Settings(backend_uri=sqlite_uri, artifacts_uri=str(tmp_path / "a"))
    assert settings.cors_origins == ["https://dash.example.com", "https://other.example"]
    with TestClient(create_app(settings)) as client:
        preflight = client.options(f"{API}/projects", headers=PREFLIGHT)
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://dash.example.com"
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in preflight.headers
        _has_security_headers(preflight)
        simple = client.get(f"{API}/projects", headers={"origin": "https://other.example"})
        assert simple.headers["access-control-allow-origin"] == "https://other.example"
        stranger = {**PREFLIGHT, "origin": "https://evil.example"}
        refused = client.options(f"{API}/projects", headers=stranger)
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers
        plain = client.get(f"{API}/projects", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in plain.headers
