"""``runway user …`` and ``runway token …``: manage who may use a team server, directly on its
database (also while the server runs), so the first admin needs no built-in password."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import typer

from runway_core.config import resolve_backend_uri, settings
from runway_core.schemas.auth import UserCreate

if TYPE_CHECKING:
    from runway_core.store.sql import SqlStore

BACKEND_HELP = "The server's database [default: RUNWAY_BACKEND_URI, else ./runway.db]"

user_app = typer.Typer(help="Users of a team server (runway server --auth).", no_args_is_help=True)
token_app = typer.Typer(help="API tokens of a team server's users.", no_args_is_help=True)


def _store(backend_uri: str | None) -> SqlStore:
    """The server's database; when none was named, one line on stderr says which file is used
    (a user created in a stray ./runway.db would be a user of no server)."""
    from runway_core.store import open_sql_store

    cfg = settings()
    url = resolve_backend_uri(backend_uri or cfg.backend_uri)
    if backend_uri is None and "backend_uri" not in cfg.model_fields_set:
        where = url.removeprefix("sqlite:///")
        typer.echo(
            f"runway: using the database {where} (the default; --backend-uri or "
            "RUNWAY_BACKEND_URI names the server's)",
            err=True,
        )
    return open_sql_store(url)


def _when(ms: int | None, never: str = "never") -> str:
    if ms is None:
        return never
    return dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@user_app.command("create")
def create_user(
    name: str,
    admin: bool = typer.Option(False, "--admin", help="A server admin: manages users, sees all."),
    backend_uri: str | None = typer.Option(None, help=BACKEND_HELP),
) -> None:
    """Create a user (then give it a token with `runway token create NAME`)."""
    store = _store(backend_uri)
    try:
        # Built unvalidated: the store refuses a bad name with one readable line.
        created = store.create_user(UserCreate.model_construct(name=name, admin=admin))
    finally:
        store.close()
    typer.echo(f"user {created.name} created{' (server admin)' if created.admin else ''}")


@user_app.command("list")
def list_users(backend_uri: str | None = typer.Option(None, help=BACKEND_HELP)) -> None:
    """List users: name, admin, disabled."""
    store = _store(backend_uri)
    try:
        users = store.list_users()
    finally:
        store.close()
    for user in users:
        flags = [f for f, on in (("admin", user.admin), ("disabled", user.disabled)) if on]
        typer.echo(f"{user.name}\t{','.join(flags) or '-'}\tcreated {_when(user.created_at)}")


@user_app.command("disable")
def disable_user(
    name: str, backend_uri: str | None = typer.Option(None, help=BACKEND_HELP)
) -> None:
    """Disable a user: its tokens stop working at once; what it wrote stays."""
    store = _store(backend_uri)
    try:
        store.disable_user(name)
    finally:
        store.close()
    typer.echo(f"user {name} disabled")


@user_app.command("enable")
def enable_user(name: str, backend_uri: str | None = typer.Option(None, help=BACKEND_HELP)) -> None:
    """Enable a disabled user again: its tokens that are not revoked or expired work again."""
    store = _store(backend_uri)
    try:
        store.enable_user(name)
    finally:
        store.close()
    typer.echo(f"user {name} enabled")


@token_app.command("create")
def create_token(
    name: str,
    expires_in: float | None = typer.Option(
        None, "--expires-in", min=0.001, help="Days until it expires [default: never]."
    ),
    backend_uri: str | None = typer.Option(None, help=BACKEND_HELP),
) -> None:
    """Create a token for user NAME and print it alone on the last line (shown only once)."""
    store = _store(backend_uri)
    try:
        created = store.create_token(name, expires_in_days=expires_in)
    finally:
        store.close()
    typer.echo(
        f"token {created.id} for {created.user}, "
        f"expires {_when(created.expires_at)}; shown once, store it now:",
        err=True,
    )
    typer.echo(created.token)


@token_app.command("list")
def list_tokens(name: str, backend_uri: str | None = typer.Option(None, help=BACKEND_HELP)) -> None:
    """List a user's tokens by id (the tokens themselves are never stored)."""
    store = _store(backend_uri)
    try:
        tokens = store.list_tokens(name)
    finally:
        store.close()
    for token in tokens:
        state = "revoked" if token.revoked_at else f"expires {_when(token.expires_at)}"
        typer.echo(
            f"{token.id}\tcreated {_when(token.created_at)}\t{state}"
            f"\tlast used {_when(token.last_used_at)}"
        )


@token_app.command("revoke")
def revoke_token(
    token_or_id: str, backend_uri: str | None = typer.Option(None, help=BACKEND_HELP)
) -> None:
    """Revoke a token, given itself or its id: it stops working at once, also on a running
    server."""
    store = _store(backend_uri)
    try:
        revoked = store.revoke_token(token_or_id)
    finally:
        store.close()
    typer.echo(f"token {revoked.id} of {revoked.user} revoked")


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
