"""Authentication itself: the header's forms, the answers' shape, rate-limited failures, and
authentication off (the embedded default) asking for nothing."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from runway.api.app import create_app
from runway_core.auth.tokens import hash_token, matches
from runway_core.errors import TooManyRequests, error_from_dict
from runway_core.schemas.auth import UserCreate
from runway_core.store.sql import SqlStore
from tests.auth.conftest import auth_settings
from tests.runway_core.stores import SECRET_KEY


def _app(tmp_path: Path, **settings: object) -> tuple[TestClient, str]:
    cfg = auth_settings(tmp_path, **settings)
    store = SqlStore(cfg.backend_uri, artifacts_uri=cfg.artifacts_uri, secret_key=SECRET_KEY)
    store.create_user(UserCreate(name="ada"))
    token = store.create_token("ada").token
    store.close()
    return TestClient(create_app(cfg)), token


def test_401_names_what_is_wrong_and_never_repeats_the_token(tmp_path: Path) -> None:
    client, token = _app(tmp_path)
    with client:
        cases = {
            "": "requires an API token",
            "Basic YWRhOnB3": "Bearer TOKEN",
            "Bearer ": "Bearer TOKEN",
            "Bearer rwt_0123456789abcdef_" + "A" * 43: "invalid API token",
            "Bearer " + token[:-1] + ("B" if token[-1] != "B" else "C"): "invalid API token",
        }
        for header, message in cases.items():
            headers = {"Authorization": header} if header else {}
            response = client.get("/api/v1/projects", headers=headers)
            assert response.status_code == 401, header
            assert response.headers["www-authenticate"].startswith("Bearer")
            error = response.json()["error"]
            assert error["code"] == "UNAUTHORIZED" and message in error["message"]
            assert token[12:] not in response.text
        ok = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
        assert ok.json() == {"user": "ada", "admin": False, "auth": True}
        assert client.get("/healthz").status_code == 200  # public


def test_failed_authentications_are_rate_limited_per_address(tmp_path: Path) -> None:
    client, token = _app(tmp_path, auth_failures_per_minute=3)
    bad = {"Authorization": "Bearer rwt_0123456789abcdef_" + "A" * 43}
    good = {"Authorization": f"Bearer {token}"}
    with client:
        assert client.get("/api/v1/projects", headers=good).status_code == 200
        assert [client.get("/api/v1/projects", headers=bad).status_code for _ in range(3)] == [
            401,
            401,
            401,
        ]
        for _ in range(5):  # no token at all is not a guess: never limited
            assert client.get("/api/v1/projects").status_code == 401
        limited = client.get("/api/v1/projects", headers=bad)
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 61
        assert limited.json()["error"]["code"] == "TOO_MANY_REQUESTS"
        # The wait travels in the body too, so HttpStore's TooManyRequests keeps it.
        wait = int(limited.headers["retry-after"])
        assert limited.json()["error"]["retry_after"] == wait
        rebuilt = error_from_dict(limited.json()["error"], 429)
        assert isinstance(rebuilt, TooManyRequests) and rebuilt.retry_after == wait
        # A valid token from the same address is never refused for the failures of others.
        assert client.get("/api/v1/projects", headers=good).status_code == 200
        assert client.get("/api/v1/projects", headers=bad).status_code == 429
    other, _ = _app(tmp_path / "other", auth_failures_per_minute=3)
    with other:  # another app: its own count
        assert other.get("/api/v1/projects", headers=bad).status_code == 401


def test_tokens_are_compared_by_hash_in_constant_time() -> None:
    token = "rwt_0123456789abcdef_" + "A" * 43
    assert matches(token, hash_token(token))
    assert not matches(token[:-1] + "B", hash_token(token))


def test_with_auth_off_nothing_is_asked(tmp_path: Path) -> None:
    cfg = auth_settings(tmp_path).model_copy(update={"auth": False})
    with TestClient(create_app(cfg)) as client:
        assert client.get("/api/v1/projects").status_code == 200
        made = client.post("/api/v1/projects", json={"name": "open"})
        assert made.status_code == 201
        assert client.get("/api/v1/whoami").json() == {"user": None, "admin": True, "auth": False}
        # Members can still be managed (ready for when auth is turned on).
        client.post("/api/v1/users", json={"name": "ada"})
        put = client.put(f"/api/v1/projects/{made.json()['id']}/members/ada", json={"role": "read"})
        assert put.status_code == 200 and put.json()["role"] == "read"
