"""With authentication on, a request body is checked as strictly as without: before an existing
project is returned for ``exist_ok``, and a token's lifetime is a number, never ``true``."""

from __future__ import annotations

import uuid

import pytest

from tests.auth.conftest import AuthApp

PROJECTS = "/api/v1/projects"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"primary_metric": "bad key!"}, "primary_metric"),
        ({"description": "a\x00b"}, "description"),
        ({"primary_metric_goal": "up"}, "primary_metric_goal"),
    ],
)
def test_exist_ok_checks_the_body_of_an_existing_project(
    auth_app: AuthApp, change: dict[str, str], field: str
) -> None:
    c, headers = auth_app.client, auth_app.team.headers("writer")
    name = f"exists-{uuid.uuid4().hex[:8]}"
    assert c.post(PROJECTS, json={"name": name}, headers=headers).status_code == 201
    again = c.post(f"{PROJECTS}?exist_ok=true", json={"name": name, **change}, headers=headers)
    assert again.status_code == 400, again.text
    assert again.json()["error"]["field"] == field


def test_exist_ok_finds_the_project_by_its_stored_name(auth_app: AuthApp) -> None:
    c, headers = auth_app.client, auth_app.team.headers("writer")
    name = f"padded-{uuid.uuid4().hex[:8]}"
    made = c.post(PROJECTS, json={"name": name}, headers=headers)
    again = c.post(f"{PROJECTS}?exist_ok=true", json={"name": f"  {name} "}, headers=headers)
    assert again.is_success, again.text  # as without authentication: the name is stripped
    assert again.json()["id"] == made.json()["id"]


@pytest.mark.parametrize("days", [True, False, "30", [30]])
def test_a_token_lifetime_is_a_number(auth_app: AuthApp, days: object) -> None:
    c, headers = auth_app.client, auth_app.team.headers("writer")
    made = c.post("/api/v1/users/writer/tokens", json={"expires_in_days": days}, headers=headers)
    assert made.status_code == 400, made.text
    assert made.json()["error"]["field"] == "expires_in_days"


@pytest.mark.parametrize("days", [30, 1.5, None])
def test_a_numeric_token_lifetime_is_taken(auth_app: AuthApp, days: float | None) -> None:
    c, headers = auth_app.client, auth_app.team.headers("writer")
    made = c.post("/api/v1/users/writer/tokens", json={"expires_in_days": days}, headers=headers)
    assert made.status_code == 201, made.text
    expires = made.json()["expires_at"]
    if days is None:
        assert expires is None
    else:
        assert expires - made.json()["created_at"] == pytest.approx(days * 86_400_000, abs=1_000)
