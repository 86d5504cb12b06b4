"""The identity tables: users, their API tokens (hashed) and their roles in projects."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from runway_core.models._common import new_id, now_ms


class User(SQLModel, table=True):
    __tablename__ = "users"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=250, unique=True, index=True)
    admin: bool = False
    disabled: bool = False
    created_at: int = Field(default_factory=now_ms, sa_type=BigInteger)


class ApiToken(SQLModel, table=True):
    """A token is shown once; only its sha256 is kept. ``id`` is its public part, also written
    inside the token itself, so a token can be listed and revoked without being known."""

    __tablename__ = "api_tokens"
    id: str = Field(primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="users.id", index=True, max_length=32, ondelete="CASCADE")
    sha256: str = Field(max_length=64)
    created_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
    expires_at: int | None = Field(default=None, sa_type=BigInteger)
    revoked_at: int | None = Field(default=None, sa_type=BigInteger)
    last_used_at: int | None = Field(default=None, sa_type=BigInteger)


class ProjectMember(SQLModel, table=True):
    __tablename__ = "project_members"
    project_id: str = Field(
        foreign_key="projects.id", primary_key=True, max_length=32, ondelete="CASCADE"
    )
    user_id: str = Field(
        foreign_key="users.id", primary_key=True, index=True, max_length=32, ondelete="CASCADE"
    )
    role: str = Field(max_length=8)  # read | write | admin
    updated_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
