"""Users, API tokens and project members over the REST API: ``/users``, ``/tokens``,
``/projects/{id}/members``."""

from __future__ import annotations

from runway_core.auth.tokens import token_id_of
from runway_core.schemas.auth import (
    MemberPublic,
    Role,
    TokenCreated,
    TokenPublic,
    UserCreate,
    UserPublic,
)
from runway_core.store.http.base import HttpBase, dump, encode, segment


class AuthMixin(HttpBase):
    def create_user(self, user: UserCreate) -> UserPublic:
        return UserPublic.model_validate(self._request("POST", "/users", content=dump(user)))

    def get_user(self, name: str) -> UserPublic:
        return UserPublic.model_validate(self._request("GET", f"/users/{segment(name)}"))

    def list_users(self) -> list[UserPublic]:
        body = self._request("GET", "/users")
        return [UserPublic.model_validate(u) for u in body["data"]]

    def disable_user(self, name: str) -> UserPublic:
        body = self._request("POST", f"/users/{segment(name)}/disable")
        return UserPublic.model_validate(body)

    def enable_user(self, name: str) -> UserPublic:
        body = self._request("POST", f"/users/{segment(name)}/enable")
        return UserPublic.model_validate(body)

    def create_token(self, user: str, *, expires_in_days: float | None = None) -> TokenCreated:
        body = self._request(
            "POST",
            f"/users/{segment(user)}/tokens",
            content=encode({"expires_in_days": expires_in_days}),
        )
        return TokenCreated.model_validate(body)

    def list_tokens(self, user: str) -> list[TokenPublic]:
        body = self._request("GET", f"/users/{segment(user)}/tokens")
        return [TokenPublic.model_validate(t) for t in body["data"]]

    def revoke_token(self, token_or_id: str) -> TokenPublic:
        # Only the public id travels in the URL (a token in a URL would end up in logs).
        token_id = token_id_of(token_or_id) or token_or_id
        return TokenPublic.model_validate(self._request("DELETE", f"/tokens/{segment(token_id)}"))

    def set_project_member(self, project_id: str, user: str, role: Role) -> MemberPublic:
        path = f"/projects/{segment(project_id)}/members/{segment(user)}"
        return MemberPublic.model_validate(
            self._request("PUT", path, content=encode({"role": role}))
        )

    def remove_project_member(self, project_id: str, user: str) -> None:
        self._request("DELETE", f"/projects/{segment(project_id)}/members/{segment(user)}")

    def list_project_members(self, project_id: str) -> list[MemberPublic]:
        body = self._request("GET", f"/projects/{segment(project_id)}/members")
        return [MemberPublic.model_validate(m) for m in body["data"]]
