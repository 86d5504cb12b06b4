"""``runway sync``: upload what the local spool holds (offline runs, writes made while the
tracking server was unreachable), with a progress bar."""

from __future__ import annotations

from pathlib import Path

import typer

from runway_core.errors import StoreUnavailable


def sync(
    spool_dir: Path | None = typer.Option(
        None, "--spool-dir", help="Spool folder (default: RUNWAY_SPOOL_DIR or ~/.runway/spool)."
    ),
    tracking_uri: str | None = typer.Option(
        None,
        "--tracking-uri",
        help="Send everything here instead of where each write was meant to go.",
    ),
) -> None:
    """Upload spooled runs, metrics, params, tags and artifacts; safe to run again."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from runway_core.config import resolve_tracking_uri
    from runway_core.tracking.spool import Spool
    from runway_core.tracking.sync import sync_spool

    target = resolve_tracking_uri(tracking_uri) if tracking_uri else None
    spool = Spool(spool_dir)
    total = spool.count()
    if total == 0:
        typer.echo(f"nothing to sync in {spool.directory}")
        return
    with Progress(
        TextColumn("[bold]sync[/bold]"), BarColumn(), MofNCompleteColumn(), transient=False
    ) as progress:
        task = progress.add_task("sync", total=total)
        result = sync_spool(
            spool, tracking_uri=target, on_progress=lambda n: progress.advance(task, n)
        )
    line = f"uploaded {result.applied} writes from {result.files} spool file(s)"
    if result.rejected:
        kept = ", ".join(str(path) for path in result.rejected_files)
        line += f"; {result.rejected} refused by the store, kept in {kept}"
    typer.echo(line)
    if result.remaining:
        raise StoreUnavailable(
            f"{result.remaining} writes could not be uploaded and stay in the spool: "
            + "; ".join(result.errors)
        )


def register(app: typer.Typer) -> None:
    app.command("sync")(sync)
