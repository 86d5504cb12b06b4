"""``runway sweep create|list|show|pause|resume|stop|launch`` and ``runway agent``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from runway_core.schemas.sweep import SweepPublic
    from runway_core.store import Store

sweep_app = typer.Typer(
    help="Parameter sweeps: register one, watch it, pause, resume or stop it, launch trials.",
    no_args_is_help=True,
)

TrackingUri = typer.Option(
    None, "--tracking-uri", help="Server URL or database (default: RUNWAY_TRACKING_URI)."
)


def _store(tracking_uri: str | None) -> tuple[Store, str]:
    from runway_core.config import resolve_tracking_uri
    from runway_core.store import open_store

    uri = resolve_tracking_uri(tracking_uri)
    return open_store(uri), uri


@sweep_app.command("create")
def create(
    spec_file: Path = typer.Argument(..., help="The sweep spec, YAML or JSON."),
    project: str = typer.Option(..., "--project", "-p", help="Project name (created if new)."),
    experiment: str = typer.Option(
        ..., "--experiment", "-e", help="Experiment name (created if new)."
    ),
    name: str = typer.Option(None, "--name", "-n", help="Sweep name (default: the spec's)."),
    tracking_uri: str = TrackingUri,
) -> None:
    """Register a sweep; the last line of output is its id alone (for scripts)."""
    from runway_core.schemas import ExperimentCreate, ProjectCreate
    from runway_core.schemas.sweep import SweepCreate
    from runway_core.sweeps.spec import load_spec

    spec = load_spec(spec_file)
    store, _ = _store(tracking_uri)
    proj = store.create_project(ProjectCreate(name=project), exist_ok=True)
    exp = store.create_experiment(proj.id, ExperimentCreate(name=experiment), exist_ok=True)
    body = SweepCreate(
        experiment_id=exp.id, spec=spec.model_dump(mode="json", exclude_none=True), name=name
    )
    sweep = store.create_sweep(body)
    queued = sweep.counts.get("queued", 0)
    typer.echo(
        f"sweep {sweep.name}: {sweep.method} over {len(spec.parameters)} parameter(s), "
        f"{sweep.max_trials} trials, {queued} queued, seed {sweep.seed} "
        f"({project} / {experiment})"
    )
    typer.echo(sweep.id)


@sweep_app.command("list")
def list_(
    project: str = typer.Option(None, "--project", "-p", help="Only this project's sweeps."),
    tracking_uri: str = TrackingUri,
) -> None:
    """Sweeps, newest first, with their progress and best value."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    store, _ = _store(tracking_uri)
    project_id = store.get_project_by_name(project).id if project else None
    table = Table("id", "name", "method", "state", "trials", "best")
    for s in store.list_sweeps(project_id=project_id):
        table.add_row(s.id, Text(s.name), s.method, s.state, _progress(s), _best(s))
    Console().print(table)


@sweep_app.command("show")
def show(sweep_id: str, tracking_uri: str = TrackingUri) -> None:
    """A sweep's state, trials by status, best trial, and its trials."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    store, _ = _store(tracking_uri)
    s = store.get_sweep(sweep_id)
    console = Console()
    console.print(
        Text.assemble(
            (s.name, "bold"),
            f" ({s.id}): {s.method}, {s.goal} {s.metric}, {s.state}; "
            f"trials {_progress(s)}; best {_best(s)}",
        )
    )
    table = Table("#", "run", "status", "value", "params", "note")
    for t in store.list_trials(sweep_id):
        params = " ".join(f"{k}={v}" for k, v in t.params.items())
        value = "" if t.value is None else f"{t.value:.6g}"
        earlier = f"attempt {t.attempts}; earlier attempts: {', '.join(t.previous_runs)}"
        note = Text(t.stop_reason or t.launched or (earlier if t.previous_runs else ""))
        table.add_row(str(t.number), t.run_id, t.status.value, value, Text(params), note)
    console.print(table)


def _set_status(sweep_id: str, status: str, tracking_uri: str | None) -> None:
    store, _ = _store(tracking_uri)
    sweep = store.set_sweep_status(sweep_id, status)  # type: ignore[arg-type]
    typer.echo(f"sweep {sweep.name} is {sweep.state}")


@sweep_app.command("pause")
def pause(sweep_id: str, tracking_uri: str = TrackingUri) -> None:
    """No trial is claimed until the sweep is resumed (running trials go on)."""
    _set_status(sweep_id, "paused", tracking_uri)


@sweep_app.command("resume")
def resume(sweep_id: str, tracking_uri: str = TrackingUri) -> None:
    _set_status(sweep_id, "running", tracking_uri)


@sweep_app.command("stop")
def stop(sweep_id: str, tracking_uri: str = TrackingUri) -> None:
    """Stop for good: queued trials end killed; running ones finish."""
    _set_status(sweep_id, "stopped", tracking_uri)


@sweep_app.command("launch")
def launch(
    sweep_id: str,
    count: int = typer.Option(None, "--count", "-n", min=1, help="Trials to launch."),
    tracking_uri: str = TrackingUri,
) -> None:
    """Hand trials to the spec's launcher (Prefect deployment, Airflow DAG…)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from runway_core.errors import InvalidInput
    from runway_core.sweeps.launch import launch_trials
    from runway_core.sweeps.launchers import load_launcher
    from runway_core.sweeps.spec import SweepSpec

    store, _ = _store(tracking_uri)
    sweep = store.get_sweep(sweep_id)
    spec = SweepSpec.model_validate(sweep.spec)
    if spec.launcher is None:
        raise InvalidInput(
            f"sweep {sweep.name} has no launcher in its spec; run its trials with "
            f"`runway agent {sweep.id} -- COMMAND`",
            field="launcher",
        )
    launcher = load_launcher(spec.launcher)
    total = count or max(sweep.max_trials - _ended(sweep), 0)
    with Progress(
        TextColumn(f"[bold]launch[/bold] {spec.launcher.type}"), BarColumn(), MofNCompleteColumn()
    ) as progress:
        task = progress.add_task("launch", total=total)
        done = launch_trials(
            store,
            sweep_id,
            launcher,
            count=count,
            worker=f"launcher:{spec.launcher.type}",
            on_launch=lambda _l: progress.advance(task),
        )
    for item in done:
        typer.echo(f"trial {item.trial.number} (run {item.trial.run_id}) → {item.external}")
    typer.echo(f"launched {len(done)} trial(s)")


def _ended(sweep: SweepPublic) -> int:
    return sum(n for k, n in sweep.counts.items() if k not in ("queued",))


def _progress(s: SweepPublic) -> str:
    done = s.counts.get("finished", 0)
    running = s.counts.get("running", 0)
    return f"{done}/{s.max_trials} finished, {running} running"


def _best(s: SweepPublic) -> str:
    if s.best is None or s.best.value is None:
        return "-"
    return f"{s.best.value:.6g} (trial {s.best.number})"


def agent(
    ctx: typer.Context,
    sweep_id: str = typer.Argument(..., help="The sweep to work on."),
    count: int = typer.Option(None, "--count", "-n", min=1, help="Run at most N trials."),
    heartbeat: float = typer.Option(10.0, "--heartbeat", min=0.05, help="Seconds between beats."),
    stale_after: float = typer.Option(
        None,
        "--stale-after",
        min=0.1,
        help="Re-queue trials silent this long (default RUNWAY_SWEEP_HEARTBEAT_TIMEOUT, 60s).",
    ),
    poll: float = typer.Option(2.0, "--poll", min=0.05, help="Seconds between empty claims."),
    tracking_uri: str = TrackingUri,
) -> None:
    """Run a sweep's trials here, one after another: `runway agent ID -- python train.py`."""
    from rich.console import Console
    from rich.text import Text

    from runway_core.config import settings
    from runway_core.sweeps.agent import Agent, AgentTiming, sweep_command

    store, uri = _store(tracking_uri)
    sweep = store.get_sweep(sweep_id)
    command = sweep_command(sweep, ctx.args)
    console = Console(stderr=True)
    timing = AgentTiming(
        heartbeat=heartbeat,
        stale_after=stale_after or settings().sweep_heartbeat_timeout,
        poll=poll,
    )
    worker = Agent(
        store,
        uri,
        sweep_id,
        command,
        count=count,
        timing=timing,
        # Text, not markup: a trial's command line may hold brackets ("--layers [64, 32]").
        on_event=lambda line: console.print(
            Text.assemble(("runway agent ", "bold"), line), highlight=False, soft_wrap=True
        ),
    )
    outcomes = worker.run()
    console.print(f"[bold]runway agent[/bold] ran {len(outcomes)} trial(s)", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(sweep_app, name="sweep")
    app.command(
        "agent", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
    )(agent)
