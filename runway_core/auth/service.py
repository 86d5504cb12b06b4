"""The server's access checks over the SQL database: who a bearer token belongs to, and which
role a user holds in a project.

Server-only by nature: verifying a token needs the stored hashes, which no client may read, so
this is not part of the ``Store`` protocol (``HttpStore`` could not implement it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, and_, select, update
from sqlmodel import Session, col

from runway_core.auth.roles import Role, role_at_least
from runway_core.auth.tokens import hash_token, matches, token_id_of
from runway_core.errors import InvalidInput, Unauthorized
from runway_core.models import ApiToken, Experiment, Project, ProjectMember, Run, Sweep, User
from runway_core.models._common import now_ms

# Writing last_used_at at most this often per token keeps reads free of writes.
LAST_USED_RESOLUTION_MS = 60_000
# Compared against when the token id is unknown, so a miss costs what a hit costs.
_DUMMY_HASH = hash_token("rwt_0000000000000000_unknown")


def held_role(session: Session, user_id: str, project_id: str) -> str | None:
    """The role a (non-admin) user holds in a project: its membership's, else the project's
    default role for every user; ``None`` for none (or no such project)."""
    member = and_(
        col(ProjectMember.project_id) == col(Project.id),
        col(ProjectMember.user_id) == user_id,
    )
    found = session.execute(
        select(col(ProjectMember.role), col(Project.default_role))
        .select_from(Project)
        .outerjoin(ProjectMember, member)
        .where(col(Project.id) == project_id)
    ).first()
    return None if found is None else found[0] or found[1]


@dataclass(frozen=True)
class Principal:
    """The caller a valid token stands for."""

    user_id: str
    name: str
    admin: bool


class AccessService:
    """Token verification and project roles, each one query."""

    def __init__(self, engine: Engine):
        self._engine = engine

    def authenticate(self, token: str) -> Principal:
        """The token's user; ``Unauthorized`` for a malformed, unknown, revoked or expired token
        or a disabled user (the message says which, never repeating the token)."""
        token_id = token_id_of(token)
        with Session(self._engine) as session:
            found = None
            if token_id is not None:
                found = session.execute(
                    select(ApiToken, User)
                    .join(User, col(User.id) == col(ApiToken.user_id))
                    .where(col(ApiToken.id) == token_id)
                ).first()
            stored = found[0].sha256 if found is not None else _DUMMY_HASH
            if not matches(token, stored) or found is None:
                raise Unauthorized("invalid API token")
            row, user = found
            now = now_ms()
            if row.revoked_at is not None:
                raise Unauthorized(f"API token {row.id} was revoked")
            if row.expires_at is not None and row.expires_at <= now:
                raise Unauthorized(f"API token {row.id} has expired")
            if user.disabled:
                raise Unauthorized(f"user {user.name!r} is disabled")
            if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION_MS:
                session.execute(
                    update(ApiToken).where(col(ApiToken.id) == row.id).values(last_used_at=now)
                )
                session.commit()
            return Principal(user_id=user.id, name=user.name, admin=user.admin)

    def role_in(self, principal: Principal, project_id: str) -> Role | None:
        """The role ``principal`` holds in the project (server admins: admin everywhere): its
        membership's, else the project's default role for every user (``None``: no role)."""
        if principal.admin:
            return "admin"
        with Session(self._engine) as session:
            role = held_role(session, principal.user_id, project_id)
        return role if role in ("read", "write", "admin") else None  # type: ignore[return-value]

    def allows(self, principal: Principal, project_id: str, role: Role) -> bool:
        return role_at_least(self.role_in(principal, project_id), role)

    def readable_project_ids(self, principal: Principal) -> set[str] | None:
        """Projects the user may read; ``None`` means all (a server admin)."""
        if principal.admin:
            return None
        with Session(self._engine) as session:
            rows = session.execute(
                select(col(ProjectMember.project_id))
                .where(col(ProjectMember.user_id) == principal.user_id)
                .union(select(col(Project.id)).where(col(Project.default_role).is_not(None)))
            ).scalars()
            return set(rows)

    def set_default_role(self, project_id: str, role: Role | None) -> None:
        """The role every user without a membership holds in the project (``read``, ``write``
        or ``None``; never ``admin``: a project's admins are named)."""
        if role not in (None, "read", "write"):
            raise InvalidInput(f"default_role: expected read, write or none, got {role!r}")
        with Session(self._engine) as session:
            session.execute(
                update(Project).where(col(Project.id) == project_id).values(default_role=role)
            )
            session.commit()

    # -- the project an id belongs to (None: no such thing; the route then answers 404) ------
    def project_of_experiment(self, experiment_id: str) -> str | None:
        return self._scalar(
            select(col(Experiment.project_id)).where(col(Experiment.id) == experiment_id)
        )

    def project_of_run(self, run_id: str) -> str | None:
        """Deleted runs too: restoring one needs its project."""
        return self._scalar(select(col(Run.project_id)).where(col(Run.id) == run_id))

    def project_of_sweep(self, sweep_id: str) -> str | None:
        return self._scalar(select(col(Sweep.project_id)).where(col(Sweep.id) == sweep_id))

    def project_named(self, name: str) -> str | None:
        return self._scalar(select(col(Project.id)).where(col(Project.name) == name))

    def owner_of_token(self, token_id: str) -> str | None:
        return self._scalar(
            select(col(User.name))
            .join(ApiToken, col(ApiToken.user_id) == col(User.id))
            .where(col(ApiToken.id) == token_id)
        )

    def _scalar(self, query: Select[Any]) -> str | None:
        with Session(self._engine) as session:
            value = session.execute(query).scalar()
        return None if value is None else str(value)
