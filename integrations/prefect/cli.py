"""``runway prefect watch``: record a Prefect server's flow runs with no change to the flows.

Prefect is imported inside the command, so ``runway --help`` stays light and a missing
``prefect`` extra is one readable line.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path

import typer

from runway_core.errors import InvalidInput

group = typer.Typer(
    name="prefect",
    help="Prefect integration: record flow runs from a Prefect server.",
    no_args_is_help=True,
)


@group.command("watch")
def watch(
    prefect_api_url: str = typer.Option(
        ..., "--prefect-api-url", help="The Prefect API, e.g. http://127.0.0.1:4200/api."
    ),
    deployment: list[str] = typer.Option(
        [], "--deployment", help="Only runs of this deployment ('flow/deployment'); repeatable."
    ),
    flow: list[str] = typer.Option([], "--flow", help="Only runs of this flow; repeatable."),
    tag: list[str] = typer.Option([], "--tag", help="Only runs carrying this tag; repeatable."),
    project: str | None = typer.Option(None, "--project", help="Runway project (RUNWAY_PROJECT)."),
    experiment: str | None = typer.Option(
        None, "--experiment", help="Runway experiment (default: the flow's name)."
    ),
    tracking_uri: str | None = typer.Option(None, "--tracking-uri", help="Where runs go."),
    interval: float = typer.Option(5.0, "--interval", min=0.2, help="Seconds between polls."),
    once: bool = typer.Option(False, "--once", help="Poll once and exit."),
    spool_dir: Path | None = typer.Option(
        None, "--spool-dir", help="Where the cursor is kept (default: RUNWAY_SPOOL_DIR)."
    ),
) -> None:
    """Follow a Prefect server and record every flow run (and its task runs) in Runway; safe to
    stop and start again: it resumes where it was and never records a run twice."""
    from rich.console import Console

    from runway_core.config import settings

    try:
        import prefect  # noqa: F401
    except ImportError:
        raise InvalidInput(
            "runway prefect needs Prefect: pip install 'runway-tracker[prefect]'"
        ) from None
    from runway.prefect.watch import Cursor, Watcher, WatchFilter, cursor_path

    if not prefect_api_url.startswith(("http://", "https://")):
        raise InvalidInput(
            f"--prefect-api-url must be an http(s) URL, got {prefect_api_url!r}",
            field="prefect_api_url",
        )
    for name in deployment:
        if name.count("/") != 1:
            raise InvalidInput(
                f"--deployment must be 'flow-name/deployment-name', got {name!r}",
                field="deployment",
            )
    console = Console(stderr=True)
    folder = (spool_dir or settings().spool_dir).expanduser()
    watcher = Watcher(
        prefect_api_url,
        project=project,
        experiment=experiment,
        filters=WatchFilter(deployments=deployment, flows=flow, tags=tag),
        tracking_uri=tracking_uri,
        cursor=Cursor.load(cursor_path(folder, prefect_api_url)),
        on_record=lambda name, status: console.print(f"recorded {name}: {status}"),
    )
    with console.status(f"watching {prefect_api_url}") if not once else nullcontext():
        while True:
            watcher.poll()
            if once:
                return
            time.sleep(interval)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="prefect")
