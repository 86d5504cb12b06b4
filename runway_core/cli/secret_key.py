"""``runway secret-key``: print a new key for ``RUNWAY_SECRET_KEY``."""

from __future__ import annotations

import typer


def secret_key() -> None:
    """Print a new random Fernet key for RUNWAY_SECRET_KEY (it encrypts stored credentials).

    To rotate, put the new key first and keep the old one after it, comma-separated.
    """
    from runway_core.credentials import generate_key

    typer.echo(generate_key())


def register(app: typer.Typer) -> None:
    app.command("secret-key")(secret_key)
