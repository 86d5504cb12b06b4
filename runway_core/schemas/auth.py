"""Users, API tokens and project roles on the wire."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictFloat

from runway_core.schemas._common import Schema

Role = Literal["read", "write", "admin"]
ROLES: tuple[Role, ...] = ("read", "write", "admin")  # each one includes the ones before it

USER_NAME = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$"
MAX_TOKEN_DAYS = 3650


def user_name_error(name: object) -> str | None:
    """What is wrong with ``name`` as a user name, or ``None``."""
    if isinstance(name, str) and re.match(USER_NAME, name) and "\n" not in name:
        return None
    return (
        f"user name {name!r:.80} is not valid: use letters, digits and . _ @ + - "
        "(at most 64, starting with a letter or digit)"
    )


def _valid_user_name(name: str) -> str:
    problem = user_name_error(name)
    if problem is not None:
        raise ValueError(problem)
    return name


UserName = Annotated[
    str,
    AfterValidator(_valid_user_name),
    Field(
        json_schema_extra={"pattern": USER_NAME, "minLength": 1, "maxLength": 64},
        description="letters, digits and . _ @ + - (at most 64, starting with a letter or digit)",
    ),
]


class UserCreate(Schema):
    name: UserName
    admin: StrictBool = False


class UserPublic(Schema):
    id: str
    name: str
    admin: bool
    disabled: bool
    created_at: int


class TokenCreate(Schema):
    """Body of ``POST /users/{name}/tokens``; no ``expires_in_days``: the token never expires."""

    # Strict: a number, never true (which lax parsing reads as 1) or "30".
    expires_in_days: StrictFloat | None = Field(default=None, gt=0, le=MAX_TOKEN_DAYS)


class TokenPublic(Schema):
    """A token as listed: its public id, never the token itself."""

    id: str
    user: str
    created_at: int
    expires_at: int | None = None
    revoked_at: int | None = None
    last_used_at: int | None = None


class TokenCreated(TokenPublic):
    """The one answer that holds the token: it is not stored and cannot be shown again."""

    token: str


class MemberSet(Schema):
    """Body of ``PUT /projects/{id}/members/{user}``."""

    role: Role


class MemberPublic(Schema):
    project_id: str
    user: str
    role: Role
    updated_at: int
