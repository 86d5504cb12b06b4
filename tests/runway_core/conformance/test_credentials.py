"""Credentials behave the same on every store: secrets go in, only a masked hint comes out, and
each operation is scoped to its project."""

from __future__ import annotations

import pytest

from runway_core.errors import AlreadyExists, InvalidInput, NotFound
from runway_core.schemas import CredentialCreate, ProjectCreate
from runway_core.store import Store

TOKEN = "ghp_CONFORMANCEsecret123456"


def github(name: str = "gh", token: str = TOKEN) -> CredentialCreate:
    return CredentialCreate(name=name, kind="github", secrets={"token": token})


def test_create_list_get_rotate_delete(store: Store, experiment) -> None:
    pid = experiment.project_id
    created = store.create_credential(pid, github())
    assert (created.name, created.kind, created.project_id) == ("gh", "github", pid)
    assert created.hint == "ghp_…3456" and TOKEN not in created.model_dump_json()
    s3 = store.create_credential(
        pid,
        CredentialCreate(
            name="artifacts",
            kind="s3",
            secrets={"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "wJalrXUt"},
        ),
    )
    assert [c.name for c in store.list_credentials(pid)] == ["artifacts", "gh"]
    assert store.get_credential(pid, created.id) == created
    assert store.get_credential(pid, s3.id).hint == "AKIA…MPLE"

    rotated = store.update_credential_secrets(pid, created.id, {"token": "ghp_ROTATED00009999"})
    assert (rotated.id, rotated.name, rotated.hint) == (created.id, "gh", "ghp_…9999")
    assert rotated.updated_at >= created.updated_at
    assert store.get_credential(pid, created.id).hint == "ghp_…9999"

    store.delete_credential(pid, created.id)
    assert [c.name for c in store.list_credentials(pid)] == ["artifacts"]
    with pytest.raises(NotFound):
        store.get_credential(pid, created.id)
    with pytest.raises(NotFound):
        store.delete_credential(pid, created.id)


def test_bad_credentials_are_refused_and_nothing_changes(store: Store, experiment) -> None:
    pid = experiment.project_id
    kept = store.create_credential(pid, github())
    with pytest.raises(AlreadyExists, match="gh"):
        store.create_credential(pid, github(token="ghp_other"))
    with pytest.raises(InvalidInput) as missing:
        store.create_credential(pid, CredentialCreate(name="s3", kind="s3", secrets={"x": "y"}))
    assert missing.value.field is not None and missing.value.field.startswith("secrets.")
    with pytest.raises(InvalidInput) as kind:
        store.create_credential(pid, CredentialCreate(name="f", kind="ftp", secrets={"a": "b"}))
    assert kind.value.field == "kind"
    with pytest.raises(InvalidInput) as blank:
        store.update_credential_secrets(pid, kept.id, {"token": "  "})
    assert blank.value.field == "secrets.token"
    with pytest.raises(InvalidInput) as foreign:  # the kind of a credential never changes
        store.update_credential_secrets(pid, kept.id, {"access_key_id": "A"})
    assert foreign.value.field == "secrets.access_key_id"
    assert [(c.name, c.hint) for c in store.list_credentials(pid)] == [("gh", kept.hint)]


def test_credentials_are_scoped_to_their_project(store: Store, experiment) -> None:
    pid = experiment.project_id
    other = store.create_project(ProjectCreate(name="other")).id
    cred = store.create_credential(pid, github())
    for call in (
        lambda: store.get_credential(other, cred.id),
        lambda: store.update_credential_secrets(other, cred.id, {"token": "ghp_x"}),
        lambda: store.delete_credential(other, cred.id),
    ):
        with pytest.raises(NotFound, match="not found in project"):
            call()
    assert store.list_credentials(other) == []
    assert store.get_credential(pid, cred.id).hint == cred.hint  # untouched


def test_unknown_project_or_credential_is_not_found(store: Store, experiment) -> None:
    missing = "0" * 32
    for call in (
        lambda: store.create_credential(missing, github()),
        lambda: store.list_credentials(missing),
        lambda: store.get_credential(missing, missing),
        lambda: store.get_credential(experiment.project_id, missing),
        lambda: store.update_credential_secrets(experiment.project_id, missing, {"token": "t"}),
        lambda: store.delete_credential(experiment.project_id, missing),
    ):
        with pytest.raises(NotFound):
            call()
