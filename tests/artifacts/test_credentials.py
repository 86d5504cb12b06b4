"""Credentials: per-kind validation, encryption at rest, masked hints, keys, and commit links."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from runway.api.app import create_app
from runway_core.config import Settings
from runway_core.credentials import mask, require_server_key, validate_secrets
from runway_core.errors import AlreadyExists, InvalidInput, NotFound
from runway_core.links import commit_url
from runway_core.schemas import CredentialCreate, ProjectCreate
from runway_core.store.sql import SqlStore
from tests.artifacts.conftest import database_bytes
from tests.runway_core.stores import SECRET_KEY


@pytest.mark.parametrize(
    ("kind", "secrets", "field"),
    [
        ("s3", {"access_key_id": "AKIA123"}, "secrets.secret_access_key"),
        ("s3", {"access_key_id": "A", "secret_access_key": "B", "bucket": "x"}, "secrets.bucket"),
        ("s3", {"access_key_id": "A", "secret_access_key": 5}, "secrets.secret_access_key"),
        ("github", {}, "secrets"),
        ("github", {"token": "  "}, "secrets.token"),
        ("ftp", {"password": "x"}, "kind"),
    ],
)
def test_each_kind_names_the_missing_or_wrong_field(kind: str, secrets: dict, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        validate_secrets(kind, secrets)
    assert info.value.field == field and info.value.status == 400


def test_masks_never_show_the_whole_value() -> None:
    assert mask("AKIAIOSFODNN7EXAMPLE") == "AKIA…MPLE"
    assert mask("short-tok") == "…ok"
    assert mask("abc") == "…"


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def db_uri(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("pg_uri" if request.param == "pg" else "sqlite_uri"))


def test_store_keeps_only_ciphertext_and_a_hint(
    db_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWAY_SECRET_KEY", SECRET_KEY)
    store = SqlStore(db_uri)
    project = store.create_project(ProjectCreate(name="p"))
    created = store.create_credential(
        project.id,
        CredentialCreate(
            name="aws",
            kind="s3",
            secrets={
                "access_key_id": "AKIAIOSFODNN7EXAMPLE",
                "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "region": "eu-west-1",
            },
        ),
    )
    assert created.hint == "AKIA…MPLE (eu-west-1)"
    assert "wJalr" not in created.model_dump_json()
    gh = store.create_credential(
        project.id,
        CredentialCreate(name="gh", kind="github", secrets={"token": "ghp_abcdefgh12345678"}),
    )
    store.create_credential(
        project.id, CredentialCreate(name="misc", kind="generic", secrets={"user": "u", "pw": "p"})
    )
    assert [(c.name, c.hint) for c in store.list_credentials(project.id)] == [
        ("aws", "AKIA…MPLE (eu-west-1)"),
        ("gh", "ghp_…5678"),
        ("misc", "keys: pw, user"),
    ]
    with pytest.raises(AlreadyExists):
        store.create_credential(
            project.id, CredentialCreate(name="gh", kind="github", secrets={"token": "x"})
        )
    with pytest.raises(NotFound):
        store.create_credential(
            "0" * 32, CredentialCreate(name="x", kind="github", secrets={"token": "x"})
        )
    rotated = store.update_credential_secrets(project.id, gh.id, {"token": "ghp_zzzzzzzzzzzz9999"})
    assert rotated.hint == "ghp_…9999" and rotated.updated_at >= gh.updated_at
    store.delete_credential(project.id, gh.id)
    assert [c.name for c in store.list_credentials(project.id)] == ["aws", "misc"]
    with pytest.raises(NotFound):
        store.delete_credential(project.id, gh.id)
    store.close()
    stored = database_bytes(db_uri)
    assert b"aws" in stored and b"wJalr" not in stored and b"AKIAIOSFODNN7EXAMPLE" not in stored


def test_server_mode_requires_a_key(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="RUNWAY_SECRET_KEY is required"):
        require_server_key(None, True)
    require_server_key(None, False)
    env = {k: v for k, v in os.environ.items() if k != "RUNWAY_SECRET_KEY"}
    proc = subprocess.run(
        [sys.executable, "-m", "runway.cli", "server", "--auth", "--host", "0.0.0.0", "--port", "1",
         "--backend-uri", str(tmp_path / "r.db")],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "RUNWAY_SECRET_KEY is required" in lines[0], proc.stderr


@pytest.mark.parametrize(
    ("remote", "url"),
    [
        ("git@github.com:acme/train.git", "https://github.com/acme/train/commit/3f2a9c1"),
        ("https://github.com/acme/train", "https://github.com/acme/train/commit/3f2a9c1"),
        ("https://tok@github.com/acme/train.git", "https://github.com/acme/train/commit/3f2a9c1"),
        ("ssh://git@github.com/acme/train.git", "https://github.com/acme/train/commit/3f2a9c1"),
        ("git@gitlab.com:grp/sub/proj.git", "https://gitlab.com/grp/sub/proj/-/commit/3f2a9c1"),
        ("https://bitbucket.org/team/repo.git", "https://bitbucket.org/team/repo/commits/3f2a9c1"),
        ("git@github.acme.corp:ml/train.git", "https://github.acme.corp/ml/train/commit/3f2a9c1"),
        ("https://example.com/x/y.git", None),
        ("/srv/git/repo", None),
        ("git@github.com:acme", None),
    ],
)
def test_commit_url(remote: str, url: str | None) -> None:
    assert commit_url(remote, "3F2A9C1") == url


def test_commit_url_refuses_non_commits() -> None:
    assert commit_url("git@github.com:a/b.git", "main; rm -rf") is None
    assert commit_url(None, "3f2a9c1") is None


# --- secrets are never echoed ---------------------------------------------------------------

SECRET = "ghp_NEVERechoME0123456789"


@pytest.fixture
def api(sqlite_uri: str, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        backend_uri=sqlite_uri, artifacts_uri=str(tmp_path / "a"), secret_key=SECRET_KEY
    )
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize(
    "body",
    [
        {"name": "gh", "kind": "github", "secrets": SECRET},  # a string, not an object
        {"name": "gh", "kind": "github", "secrets": [SECRET]},
        {"name": "gh", "kind": "github", "secrets": {"token": [SECRET]}},
        {"name": "gh", "kind": "github", "secrets": {"token": SECRET, "extra": "x"}},
        {"name": "gh", "kind": 7, "secrets": {"token": SECRET}},
        {"name": "gh", "kind": "github", "secrets": {"token": SECRET + "\x00"}},
        '{"name": "gh", "kind": "github", "secrets": {"token": "' + SECRET + '"',  # cut off
    ],
)
def test_a_refused_credential_body_never_echoes_its_secret(
    api: TestClient, body: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    project = api.post("/api/v1/projects", json={"name": "p"}).json()
    url = f"/api/v1/projects/{project['id']}/credentials"
    send = {"content": body} if isinstance(body, str) else {"json": body}
    refused = api.post(url, headers={"content-type": "application/json"}, **send)  # type: ignore[arg-type]
    assert refused.status_code == 400, refused.text
    everything = refused.text + str(refused.headers) + caplog.text
    assert SECRET not in everything and SECRET[4:20] not in everything
    assert api.get(url).json()["count"] == 0


def test_a_refused_rotation_never_echoes_its_secret(
    api: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    project = api.post("/api/v1/projects", json={"name": "p"}).json()
    base = f"/api/v1/projects/{project['id']}/credentials"
    cred = api.post(base, json={"name": "gh", "kind": "github", "secrets": {"token": "ghp_x"}})
    for secrets in (SECRET, [SECRET], {"token": [SECRET]}, {"password": SECRET}):
        refused = api.put(f"{base}/{cred.json()['id']}", json={"secrets": secrets})
        assert refused.status_code == 400, refused.text
        assert SECRET not in refused.text + caplog.text
    assert api.get(f"{base}/{cred.json()['id']}").json()["hint"] == cred.json()["hint"]


def test_client_side_errors_and_reprs_hide_secrets() -> None:
    with pytest.raises(ValidationError) as info:
        CredentialCreate(name="gh", kind="github", secrets=SECRET)  # type: ignore[arg-type]
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)
    good = CredentialCreate(name="gh", kind="github", secrets={"token": SECRET})
    assert SECRET not in repr(good) and SECRET not in str(good)
    with pytest.raises(InvalidInput) as invalid:
        validate_secrets("github", {"token": SECRET, "extra": SECRET})
    assert SECRET not in invalid.value.message
