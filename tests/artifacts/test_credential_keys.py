"""The key that encrypts credentials: a real Fernet key (no passphrase), rotation, the embedded
default's key file (never silently replaced once it has encrypted something), and a key that no
longer decrypts reported as the server's configuration problem, not the client's."""

from __future__ import annotations

import io
import logging
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from fastapi.testclient import TestClient

from runway.api.app import create_app
from runway_core.config import Settings
from runway_core.credentials import Cipher
from runway_core.errors import InvalidInput, RunwayError, ServerMisconfigured
from runway_core.schemas import CredentialCreate, ExperimentCreate, ProjectCreate, RunCreate
from runway_core.store.http import HttpStore
from runway_core.store.sql import SqlStore
from tests.artifacts.conftest import s3_credential

PASSPHRASE = "correct horse battery staple"  # long, and still no key


def github(name: str = "gh") -> CredentialCreate:
    return CredentialCreate(name=name, kind="github", secrets={"token": "ghp_abcdefgh12345678"})


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The embedded default: no RUNWAY_SECRET_KEY, the key file in a temporary home."""
    monkeypatch.delenv("RUNWAY_SECRET_KEY", raising=False)
    path = tmp_path / "home" / "secret.key"
    monkeypatch.setenv("RUNWAY_SECRET_KEY_FILE", str(path))
    return path


def test_a_passphrase_is_refused_with_how_to_make_a_key() -> None:
    for text in (PASSPHRASE, f"{Fernet.generate_key().decode()},{PASSPHRASE}"):
        with pytest.raises(InvalidInput) as info:
            Cipher(text)
        message = info.value.message
        assert "Fernet key" in message and "runway secret-key" in message
        assert PASSPHRASE not in message and info.value.field == "secret_key"


def test_rotation_the_first_key_encrypts_all_decrypt() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = Cipher(old).encrypt({"a": "1"})
    rotated = Cipher(f"{new}, {old}")
    assert rotated.decrypt(token) == {"a": "1"}
    assert Cipher(new).decrypt(rotated.encrypt({"b": "2"})) == {"b": "2"}  # new encrypts
    with pytest.raises(ServerMisconfigured):
        Cipher(old).decrypt(rotated.encrypt({"b": "2"}))


def test_runway_secret_key_prints_a_usable_key() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "runway.cli", "secret-key"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    key = proc.stdout.strip()
    assert Cipher(key).decrypt(Cipher(key).encrypt({"a": "1"})) == {"a": "1"}


def test_embedded_default_creates_a_private_key_file_once(key_file: Path) -> None:
    token = Cipher().encrypt({"token": "t0ps3cret"})
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Cipher().decrypt(token) == {"token": "t0ps3cret"}  # the same key is read back


def test_a_lost_key_file_is_not_replaced_while_credentials_need_it(
    key_file: Path, sqlite_uri: str
) -> None:
    store = SqlStore(sqlite_uri)
    project = store.create_project(ProjectCreate(name="p"))
    store.create_credential(project.id, github())
    store.close()
    original = key_file.read_text()
    key_file.unlink()  # lost: a new home folder, a wiped container, a restored database

    again = SqlStore(sqlite_uri)
    with pytest.raises(ServerMisconfigured) as info:
        again.create_credential(project.id, github("second"))
    assert str(key_file) in info.value.message and "RUNWAY_SECRET_KEY" in info.value.message
    assert info.value.status >= 500
    assert not key_file.exists()  # not silently replaced by a key that opens nothing
    assert [c.name for c in again.list_credentials(project.id)] == ["gh"]  # nothing lost

    key_file.parent.mkdir(parents=True, exist_ok=True)
    key_file.write_text(original)  # restored: everything works again
    assert SqlStore(sqlite_uri).create_credential(project.id, github("second")).name == "second"


def test_a_key_file_is_created_for_a_database_without_credentials(
    key_file: Path, sqlite_uri: str
) -> None:
    store = SqlStore(sqlite_uri)
    project = store.create_project(ProjectCreate(name="p"))
    store.create_credential(project.id, github())
    store.delete_credential(project.id, store.list_credentials(project.id)[0].id)
    key_file.unlink()
    store = SqlStore(sqlite_uri)  # no credential left to decrypt: a new key is harmless
    assert store.create_credential(project.id, github()).name == "gh"
    assert key_file.exists()


def s3_store(db_uri: str, key: str) -> SqlStore:
    # The credential is decrypted before S3 is contacted, so nothing listens on the endpoint.
    uri = "s3://bucket/x?endpoint_url=http://127.0.0.1:9"
    return SqlStore(db_uri, artifacts_uri=uri, secret_key=key)


def test_a_credential_the_key_cannot_decrypt_is_the_servers_problem(
    sqlite_uri: str, caplog: pytest.LogCaptureFixture
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    store = s3_store(sqlite_uri, old)
    project = store.create_project(ProjectCreate(name="p"))
    exp = store.create_experiment(project.id, ExperimentCreate(name="e"))
    run = store.create_run(RunCreate(experiment_id=exp.id))
    store.create_credential(project.id, s3_credential())
    store.close()

    embedded = s3_store(sqlite_uri, new)  # the key changed without the old one kept
    with pytest.raises(ServerMisconfigured) as info:
        embedded.log_artifact(run.id, "a.txt", io.BytesIO(b"x"))
    assert "RUNWAY_SECRET_KEY" in info.value.message and info.value.status == 500

    settings = Settings(backend_uri=sqlite_uri, artifacts_uri="s3://bucket/x", secret_key=new)
    app = create_app(settings, store=embedded)
    caplog.set_level(logging.WARNING)
    with TestClient(app) as client:
        http = HttpStore("http://testserver", client=client)
        for _ in range(2):
            with pytest.raises(RunwayError) as over_http:
                http.log_artifact(run.id, "a.txt", io.BytesIO(b"x"))
            assert type(over_http.value) is ServerMisconfigured  # 500, not a 400
            assert "RUNWAY_SECRET_KEY" in over_http.value.message
    logged = [r for r in caplog.records if "RUNWAY_SECRET_KEY" in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.ERROR  # once, not per request
    embedded.close()
