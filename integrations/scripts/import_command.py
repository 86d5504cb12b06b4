"""``runway import SOURCE …``: copy runs recorded elsewhere (Airflow, MLflow) into Runway.

Each importer lives in its own module with a ``register(group)`` that adds one sub-command to the
``import`` group; heavy imports (the source's client library) happen inside the command, so
``runway --help`` stays light and a missing extra is one readable line.
"""

from __future__ import annotations

import importlib

import typer

# Modules that add a sub-command to `runway import`; each defines register(group: typer.Typer).
IMPORTERS: list[str] = ["runway.mlflow_import"]

group = typer.Typer(
    name="import",
    help="Copy runs from another system (Airflow, MLflow) into Runway; safe to run again.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    for name in IMPORTERS:
        importlib.import_module(name).register(group)
    if IMPORTERS:
        app.add_typer(group, name="import")
