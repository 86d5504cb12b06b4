"""Users and their API tokens (server admins; a user may see itself and manage its own tokens).

The same actions exist as ``runway user …`` and ``runway token …``, which work on the database
directly (so the first admin needs no password built into the server).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from pydantic import BaseModel

from runway_core.auth.tokens import TOKEN_ID_RE
from runway_core.errors import NotFound
from runway_core.schemas.auth import TokenCreate, TokenCreated, TokenPublic, UserCreate, UserPublic

from ..access import current_principal
from ..deps import StoreDep

router = APIRouter(tags=["users"])


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class TokensPublic(BaseModel):
    data: list[TokenPublic]
    count: int


class WhoAmI(BaseModel):
    """``user`` is null when the server runs without authentication."""

    user: str | None
    admin: bool
    auth: bool


@router.post("/users", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
def create_user(body: UserCreate, store: StoreDep) -> UserPublic:
    return store.create_user(body)


@router.get("/users", response_model=UsersPublic)
def list_users(store: StoreDep) -> UsersPublic:
    users = store.list_users()
    return UsersPublic(data=users, count=len(users))


@router.get("/users/{name}", response_model=UserPublic)
def get_user(name: str, store: StoreDep) -> UserPublic:
    return store.get_user(name)


@router.post("/users/{name}/disable", response_model=UserPublic)
def disable_user(name: str, store: StoreDep) -> UserPublic:
    """The user's tokens stop working at once; what it wrote stays. The last enabled server
    admin cannot be disabled (409)."""
    return store.disable_user(name)


@router.post("/users/{name}/enable", response_model=UserPublic)
def enable_user(name: str, store: StoreDep) -> UserPublic:
    """Undo a disable: the user's tokens (not revoked, not expired) work again."""
    return store.enable_user(name)


@router.post(
    "/users/{name}/tokens", status_code=status.HTTP_201_CREATED, response_model=TokenCreated
)
def create_token(name: str, body: TokenCreate, store: StoreDep) -> TokenCreated:
    """A new token: the answer is the only place it is ever shown (only its hash is kept)."""
    return store.create_token(name, expires_in_days=body.expires_in_days)


@router.get("/users/{name}/tokens", response_model=TokensPublic)
def list_tokens(name: str, store: StoreDep) -> TokensPublic:
    tokens = store.list_tokens(name)
    return TokensPublic(data=tokens, count=len(tokens))


@router.delete("/tokens/{token_id}", response_model=TokenPublic)
def revoke_token(token_id: str, store: StoreDep) -> TokenPublic:
    """Revoke by the token's public id (the token itself never travels in a URL)."""
    if not TOKEN_ID_RE.match(token_id):  # not echoed: it may be a token pasted by mistake
        raise NotFound("no token has that id (16 hex digits)", field="token_id")
    return store.revoke_token(token_id)


@router.get("/whoami", response_model=WhoAmI)
def whoami(request: Request) -> WhoAmI:
    principal = current_principal(request)
    if principal is None:
        return WhoAmI(user=None, admin=True, auth=False)
    return WhoAmI(user=principal.name, admin=principal.admin, auth=True)
