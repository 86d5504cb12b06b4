"""Credentials: per-kind validation, encryption at rest, masked hints, keys, and commit links."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from runway_core.credentials import Cipher, mask, require_server_key, validate_secrets
from runway_core.errors import AlreadyExists, InvalidInput, NotFound
from runway_core.links import commit_url
from runway_core.schemas import CredentialCreate, ProjectCreate
from runway_core.store.sql import SqlStore
from tests.artifacts.conftest import database_bytes


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
    monkeypatch.setenv("RUNWAY_SECRET_KEY", "a passphrase that is long enough")
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


def test_embedded_default_creates_a_private_key_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RUNWAY_SECRET_KEY", raising=False)
    key_file = tmp_path / "home" / "secret.key"
    monkeypatch.setenv("RUNWAY_SECRET_KEY_FILE", str(key_file))
    token = Cipher().encrypt({"token": "t0ps3cret"})
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Cipher().decrypt(token) == {"token": "t0ps3cret"}  # the same key is read back
    monkeypatch.setenv("RUNWAY_SECRET_KEY", Cipher.__name__ * 4)
    with pytest.raises(InvalidInput, match="RUNWAY_SECRET_KEY differs"):
        Cipher().decrypt(token)


def test_key_rotation_decrypts_with_any_listed_key() -> None:
    old = Cipher("old passphrase sixteen+").encrypt({"a": "1"})
    assert Cipher("new passphrase sixteen+,old passphrase sixteen+").decrypt(old) == {"a": "1"}
    with pytest.raises(InvalidInput, match="16 characters"):
        Cipher("short")


def test_server_mode_requires_a_key(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="RUNWAY_SECRET_KEY is required"):
        require_server_key(None, True)
    require_server_key(None, False)
    env = {k: v for k, v in os.environ.items() if k != "RUNWAY_SECRET_KEY"}
    proc = subprocess.run(
        [sys.executable, "-m", "runway.cli", "server", "--host", "0.0.0.0", "--port", "1",
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
