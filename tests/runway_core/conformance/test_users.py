"""Users, API tokens and project members: the same behaviour on SQLite, PostgreSQL and HTTP."""

from __future__ import annotations

import pytest

from runway_core.auth.tokens import hash_token, token_id_of
from runway_core.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from runway_core.schemas import ProjectCreate
from runway_core.schemas.auth import UserCreate
from runway_core.store import Store


def test_users_are_created_listed_read_and_disabled(store: Store) -> None:
    made = store.create_user(UserCreate(name="ada", admin=True))
    store.create_user(UserCreate(name="bob"))
    assert (made.name, made.admin, made.disabled) == ("ada", True, False)
    assert [(u.name, u.admin) for u in store.list_users()] == [("ada", True), ("bob", False)]
    assert store.get_user("bob").admin is False
    assert store.disable_user("bob").disabled is True
    assert store.get_user("bob").disabled is True
    with pytest.raises(AlreadyExists):
        store.create_user(UserCreate(name="ada"))
    with pytest.raises(NotFound):
        store.get_user("nobody")
    with pytest.raises(NotFound):
        store.disable_user("nobody")


def test_a_bad_user_name_is_refused_by_name(store: Store) -> None:
    with pytest.raises(InvalidInput, match="user name"):
        store.create_user(UserCreate.model_construct(name="no spaces", admin=False))


def test_a_token_is_shown_once_then_listed_by_id_and_revoked(store: Store) -> None:
    store.create_user(UserCreate(name="ada"))
    created = store.create_token("ada", expires_in_days=30)
    assert token_id_of(created.token) == created.id
    assert created.expires_at is not None and created.expires_at > created.created_at
    listed = store.list_tokens("ada")
    assert [t.id for t in listed] == [created.id]
    assert "token" not in listed[0].model_dump()  # never shown again
    assert listed[0].revoked_at is None
    revoked = store.revoke_token(created.token)  # by the token itself
    assert revoked.id == created.id and revoked.revoked_at is not None
    assert store.list_tokens("ada")[0].revoked_at == revoked.revoked_at
    again = store.revoke_token(created.id)  # by its id; the first time is kept
    assert again.revoked_at == revoked.revoked_at


def test_token_mistakes_are_refused_without_echoing_the_token(store: Store) -> None:
    store.create_user(UserCreate(name="ada"))
    with pytest.raises(NotFound):
        store.create_token("nobody")
    with pytest.raises(InvalidInput, match="expires_in_days"):
        store.create_token("ada", expires_in_days=-1)
    with pytest.raises(NotFound):
        store.revoke_token("0123456789abcdef")
    # A malformed id: refused (the store says so; over HTTP the route answers 404, as for any
    # id it does not know), never echoed.
    with pytest.raises((InvalidInput, NotFound)) as refused:
        store.revoke_token("not-a-token-secretvalue")
    assert "secretvalue" not in str(refused.value)
    store.disable_user("ada")
    with pytest.raises(InvalidInput, match="disabled"):
        store.create_token("ada")


def test_tokens_are_random_and_only_their_hash_differs_per_token(store: Store) -> None:
    store.create_user(UserCreate(name="ada"))
    a, b = store.create_token("ada"), store.create_token("ada")
    assert a.token != b.token and a.id != b.id
    assert hash_token(a.token) != hash_token(b.token)
    assert len(a.token) > 60


def test_project_members_are_set_changed_listed_and_removed(store: Store) -> None:
    project = store.create_project(ProjectCreate(name="p"))
    store.create_user(UserCreate(name="ada"))
    store.create_user(UserCreate(name="bob"))
    assert store.list_project_members(project.id) == []
    assert store.set_project_member(project.id, "bob", "read").role == "read"
    store.set_project_member(project.id, "ada", "admin")
    assert store.set_project_member(project.id, "bob", "write").role == "write"
    members = store.list_project_members(project.id)
    assert [(m.user, m.role) for m in members] == [("ada", "admin"), ("bob", "write")]
    store.remove_project_member(project.id, "bob")
    assert [m.user for m in store.list_project_members(project.id)] == ["ada"]
    with pytest.raises(NotFound):
        store.remove_project_member(project.id, "bob")
    with pytest.raises(NotFound):
        store.set_project_member(project.id, "nobody", "read")
    with pytest.raises(NotFound):
        store.list_project_members("0" * 32)
    with pytest.raises(InvalidInput, match="role"):
        store.set_project_member(project.id, "ada", "owner")  # type: ignore[arg-type]
    store.delete_project(project.id)
    assert store.get_user("ada").name == "ada"  # members go with the project, users stay


def test_a_disabled_user_is_enabled_again_and_the_last_admin_stays(store: Store) -> None:
    store.create_user(UserCreate(name="ada", admin=True))
    store.create_user(UserCreate(name="bob"))
    store.disable_user("bob")
    assert store.enable_user("bob").disabled is False
    assert store.get_user("bob").disabled is False
    with pytest.raises(NotFound):
        store.enable_user("nobody")
    # The last enabled server admin: refused, nobody could manage users after it.
    with pytest.raises(Conflict, match="last enabled server admin"):
        store.disable_user("ada")
    assert store.get_user("ada").disabled is False
    store.create_user(UserCreate(name="cy", admin=True))
    assert store.disable_user("ada").disabled is True  # another admin remains
    with pytest.raises(Conflict, match="last enabled server admin"):
        store.disable_user("cy")


def test_a_projects_last_admin_is_neither_removed_nor_demoted(store: Store) -> None:
    project = store.create_project(ProjectCreate(name="p"))
    store.create_user(UserCreate(name="ada"))
    store.create_user(UserCreate(name="bob"))
    store.set_project_member(project.id, "ada", "admin")
    store.set_project_member(project.id, "bob", "write")
    with pytest.raises(Conflict, match="last admin of project"):
        store.set_project_member(project.id, "ada", "write")
    with pytest.raises(Conflict, match="last admin of project"):
        store.remove_project_member(project.id, "ada")
    assert [(m.user, m.role) for m in store.list_project_members(project.id)] == [
        ("ada", "admin"),
        ("bob", "write"),
    ]
    store.set_project_member(project.id, "bob", "admin")
    assert store.set_project_member(project.id, "ada", "read").role == "read"  # bob remains
    store.remove_project_member(project.id, "ada")
    assert [m.user for m in store.list_project_members(project.id)] == ["bob"]
