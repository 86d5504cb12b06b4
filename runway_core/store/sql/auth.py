"""Users, API tokens and project members in the SQL store (verifying a token is the server's
job: ``runway_core.auth.service``)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from runway_core.auth.tokens import TOKEN_ID_RE, hash_token, new_token, token_id_of
from runway_core.errors import Conflict, InvalidInput, NotFound
from runway_core.models import ApiToken, Project, ProjectMember, User
from runway_core.models._common import now_ms
from runway_core.schemas.auth import (
    MAX_TOKEN_DAYS,
    ROLES,
    MemberPublic,
    Role,
    TokenCreated,
    TokenPublic,
    UserCreate,
    UserPublic,
    user_name_error,
)
from runway_core.store.sql.base import SqlBase
from runway_core.validation import check_text

DAY_MS = 86_400_000


def user_row(session: Session, name: str) -> User:
    check_text(name, "user")
    row = session.exec(select(User).where(User.name == name)).first()
    if row is None:
        raise NotFound(f"user {name!r} not found", field="user")
    return row


def _token_public(row: ApiToken, user: str) -> TokenPublic:
    return TokenPublic(
        id=row.id,
        user=user,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


def _require_project(session: Session, project_id: str) -> None:
    check_text(project_id, "project_id")
    if session.get(Project, project_id) is None:
        raise NotFound(f"project {project_id!r} not found", field="project_id")


def _keep_an_admin(session: Session, row: ProjectMember, user: str, action: str) -> None:
    """Refuse to remove or demote the project's last admin (``Conflict``): nobody could manage
    its members or credentials then. The admins' rows are locked, so two admins demoting each
    other at once cannot both succeed."""
    if row.role != "admin":
        return
    admins = session.exec(
        select(ProjectMember.user_id)
        .where(ProjectMember.project_id == row.project_id, ProjectMember.role == "admin")
        .with_for_update()
    ).all()
    if len(admins) <= 1:
        raise Conflict(
            f"cannot {action} {user!r}: the last admin of project {row.project_id!r}; "
            "make another member admin first",
            field="user",
        )


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise InvalidInput(f"role must be one of read, write, admin (got {role!r})", field="role")
    return role  # type: ignore[return-value]


class AuthMixin(SqlBase):
    # -- users --------------------------------------------------------------------------------
    def create_user(self, user: UserCreate) -> UserPublic:
        problem = user_name_error(user.name)  # a model may be built without validation
        if problem is not None:
            raise InvalidInput(problem, field="name")
        with self._write(f"user {user.name!r} already exists") as session:
            row = User(name=user.name, admin=user.admin)
            session.add(row)
            session.flush()
            return UserPublic.model_validate(row)

    def get_user(self, name: str) -> UserPublic:
        with self._read() as session:
            return UserPublic.model_validate(user_row(session, name))

    def list_users(self) -> list[UserPublic]:
        with self._read() as session:
            rows = session.exec(select(User).order_by(col(User.name))).all()
            return [UserPublic.model_validate(row) for row in rows]

    def disable_user(self, name: str) -> UserPublic:
        """The user's tokens stop working at once; nothing the user wrote is removed. The last
        enabled server admin is not disabled (``Conflict``): nobody could manage users then."""
        with self._write() as session:
            row = user_row(session, name)
            if row.admin and not row.disabled:
                admins = session.exec(
                    select(User.id).where(col(User.admin), ~col(User.disabled)).with_for_update()
                ).all()
                if len(admins) <= 1:
                    raise Conflict(
                        f"user {name!r} is the last enabled server admin; make another user "
                        "a server admin first (runway user create NAME --admin)",
                        field="name",
                    )
            return self._set_disabled(session, row, True)

    def enable_user(self, name: str) -> UserPublic:
        """Undo ``disable_user``: the user's tokens that are not revoked or expired work again."""
        with self._write() as session:
            return self._set_disabled(session, user_row(session, name), False)

    @staticmethod
    def _set_disabled(session: Session, row: User, disabled: bool) -> UserPublic:
        row.disabled = disabled
        session.add(row)
        session.flush()
        return UserPublic.model_validate(row)

    # -- tokens -------------------------------------------------------------------------------
    def create_token(self, user: str, *, expires_in_days: float | None = None) -> TokenCreated:
        if expires_in_days is not None and not 0 < expires_in_days <= MAX_TOKEN_DAYS:
            raise InvalidInput(
                f"expires_in_days must be more than 0 and at most {MAX_TOKEN_DAYS} "
                f"(got {expires_in_days})",
                field="expires_in_days",
            )
        with self._write() as session:
            owner = user_row(session, user)
            if owner.disabled:
                raise InvalidInput(f"user {user!r} is disabled", field="user")
            token_id, token = new_token()
            now = now_ms()
            expires = None if expires_in_days is None else now + int(expires_in_days * DAY_MS)
            row = ApiToken(
                id=token_id,
                user_id=owner.id,
                sha256=hash_token(token),
                created_at=now,
                expires_at=expires,
            )
            session.add(row)
            session.flush()
            return TokenCreated(**_token_public(row, owner.name).model_dump(), token=token)

    def list_tokens(self, user: str) -> list[TokenPublic]:
        with self._read() as session:
            owner = user_row(session, user)
            rows = session.exec(
                select(ApiToken)
                .where(ApiToken.user_id == owner.id)
                .order_by(col(ApiToken.created_at), col(ApiToken.id))
            ).all()
            return [_token_public(row, owner.name) for row in rows]

    def revoke_token(self, token_or_id: str) -> TokenPublic:
        """Revoke by the token itself or its public id; revoking twice keeps the first time."""
        check_text(token_or_id, "token")
        token_id = token_id_of(token_or_id) or token_or_id
        if not TOKEN_ID_RE.match(token_id):
            # Never echo the value: it may be a mistyped token.
            raise InvalidInput(
                "expected a token (rwt_…) or a token id (16 hex digits)", field="token"
            )
        with self._write() as session:
            row = session.get(ApiToken, token_id)
            if row is None:
                raise NotFound(f"token {token_id!r} not found", field="token")
            if row.revoked_at is None:
                row.revoked_at = now_ms()
                session.add(row)
                session.flush()
            owner = session.get(User, row.user_id)
            return _token_public(row, owner.name if owner else "")

    # -- project members ----------------------------------------------------------------------
    def set_project_member(self, project_id: str, user: str, role: Role) -> MemberPublic:
        role = _check_role(role)
        with self._write() as session:
            _require_project(session, project_id)
            member = user_row(session, user)
            row = session.get(ProjectMember, (project_id, member.id))
            if row is None:
                row = ProjectMember(project_id=project_id, user_id=member.id, role=role)
            else:
                if role != "admin":
                    _keep_an_admin(session, row, user, "demote")
                row.role = role
                row.updated_at = now_ms()
            session.add(row)
            session.flush()
            return MemberPublic(
                project_id=project_id, user=member.name, role=role, updated_at=row.updated_at
            )

    def remove_project_member(self, project_id: str, user: str) -> None:
        with self._write() as session:
            _require_project(session, project_id)
            member = user_row(session, user)
            row = session.get(ProjectMember, (project_id, member.id))
            if row is None:
                raise NotFound(f"{user!r} is not a member of project {project_id!r}", field="user")
            _keep_an_admin(session, row, user, "remove")
            session.delete(row)

    def list_project_members(self, project_id: str) -> list[MemberPublic]:
        with self._read() as session:
            _require_project(session, project_id)
            rows = session.exec(
                select(ProjectMember, User.name)
                .join(User, col(User.id) == col(ProjectMember.user_id))
                .where(ProjectMember.project_id == project_id)
                .order_by(col(User.name))
            ).all()
            return [
                MemberPublic(
                    project_id=project_id,
                    user=name,
                    role=_check_role(row.role),
                    updated_at=row.updated_at,
                )
                for row, name in rows
            ]
