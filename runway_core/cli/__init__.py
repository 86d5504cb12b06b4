"""The ``runway`` command. Each sub-command lives in its own module with a ``register(app)``."""

from __future__ import annotations

import importlib

import typer

from runway_core import __version__
from runway_core.cli.errors import run_cli

app = typer.Typer(
    name="runway",
    help="Runway: track, compare and reproduce machine-learning experiments.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Modules that add commands; each defines register(app: typer.Typer). The ``runway`` entry
# point (``runway.cli:main``) adds the SDK's and the dashboard's commands to these.
CORE_COMMANDS = [
    "runway_core.cli.server",
    "runway_core.cli.sync",
    "runway_core.cli.secret_key",
    "runway_core.cli.sweep",
    "runway_core.cli.users",
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"runway {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Runway: track, compare and reproduce machine-learning experiments."""


def register_commands(modules: list[str]) -> typer.Typer:
    for name in modules:
        importlib.import_module(name).register(app)
    return app


def main() -> None:
    run_cli(register_commands(CORE_COMMANDS))
