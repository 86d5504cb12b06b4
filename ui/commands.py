"""``runway demo``, ``runway ui`` and ``runway up``: sample data, the dashboard, and both together.

Streamlit, Plotly and scikit-learn are imported inside the commands so ``runway --version`` stays
light; a missing extra is reported in one line naming the ``pip install`` that adds it.
"""

from __future__ import annotations

import importlib.util
import signal
import subprocess
from types import FrameType

import typer

from runway_core.config import (
    DEFAULT_ARTIFACTS_URI,
    DEFAULT_BACKEND_URI,
    normalize_db_uri,
    resolve_tracking_uri,
)
from runway_core.errors import InvalidInput


def _spec(module: str) -> object:
    try:
        return importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None


def _need(modules: tuple[str, ...], extra: str) -> None:
    missing = [m for m in modules if _spec(m) is None]
    if missing:
        raise InvalidInput(
            f"{', '.join(missing)} not installed: pip install 'runway-tracker[{extra}]'"
        )


def demo(
    tracking_uri: str = typer.Option(
        None, envvar="RUNWAY_TRACKING_URI", help="Server URL or database; default ./runway.db."
    ),
    project: str = typer.Option("digits classifier", help="Project to fill."),
) -> None:
    """Fill a project with small scikit-learn training runs (digits dataset, no downloads)."""
    _need(("sklearn",), "demo")
    from runway.demo import run_demo

    result = run_demo(tracking_uri, project=project)
    typer.echo(
        f"demo: {result.runs} runs in {len(result.experiments)} experiments of project "
        f"{result.project!r} and a sweep of {result.sweep_trials} trials "
        f"({result.seconds:.1f} s)"
    )


def ui(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8501, help="Dashboard port."),
    tracking_uri: str = typer.Option(
        None, envvar="RUNWAY_TRACKING_URI", help="Server URL or database; default ./runway.db."
    ),
) -> None:
    """Serve the dashboard alone, against a server URL or a database file."""
    _need(("streamlit", "plotly", "pandas"), "ui")
    from runway.ui.processes import streamlit_command
    from runway_core import processes

    tracking = _tracking(tracking_uri)  # before anything starts: a wrong URI is one line
    processes.require_free_ports(host, [(port, "dashboard", "--port")])
    _stop_on_signals()
    env = {"RUNWAY_TRACKING_URI": tracking}
    url = processes.url_of(host, port)
    proc = processes.start(streamlit_command(host, port), env)
    try:
        processes.wait_ready(proc, f"{url}/_stcore/health", "dashboard")
        typer.echo(f"dashboard on {url}  (tracking {env['RUNWAY_TRACKING_URI']})")
        _until_stopped([proc])
    finally:
        processes.stop(proc)


def up(
    demo_data: bool = typer.Option(False, "--demo", help="Run `runway demo` first."),
    host: str = typer.Option("127.0.0.1", help="Interface both processes bind."),
    port: int = typer.Option(5000, help="API server port."),
    ui_port: int = typer.Option(8501, help="Dashboard port."),
    backend_uri: str = typer.Option(
        DEFAULT_BACKEND_URI, envvar="RUNWAY_BACKEND_URI", help="Database of the server."
    ),
    artifacts_uri: str = typer.Option(
        DEFAULT_ARTIFACTS_URI, envvar="RUNWAY_ARTIFACTS_URI", help="Artifact folder or s3:// URI."
    ),
) -> None:
    """Start the server and the dashboard together on the embedded database; Ctrl-C stops both."""
    _need(("streamlit", "plotly", "pandas"), "ui")
    _need(("uvicorn", "fastapi"), "server")
    if demo_data:
        _need(("sklearn",), "demo")
    from runway.ui.processes import streamlit_command
    from runway_core import processes

    if port == ui_port:
        raise InvalidInput(f"--port and --ui-port are both {port}: give each its own port")
    # Both ports before anything starts: one line names every busy one, and no half-started pair.
    processes.require_free_ports(
        host, [(port, "API", "--port"), (ui_port, "dashboard", "--ui-port")]
    )
    _stop_on_signals()
    api_url, ui_url = processes.url_of(host, port), processes.url_of(host, ui_port)
    started: list[subprocess.Popen[bytes]] = []
    try:
        server = processes.start_server(
            normalize_db_uri(backend_uri), artifacts_uri, host=host, port=port
        )
        started.append(server.process)
        if demo_data:
            _demo_once(api_url)
        dashboard = processes.start(
            streamlit_command(host, ui_port), {"RUNWAY_TRACKING_URI": api_url}
        )
        started.append(dashboard)
        processes.wait_ready(dashboard, f"{ui_url}/_stcore/health", "dashboard")
        typer.echo(f"API:       {api_url}  (docs {api_url}/docs)")
        typer.echo(f"Dashboard: {ui_url}")
        typer.echo("Press Ctrl-C to stop both.")
        _until_stopped(started)
    finally:
        for proc in reversed(started):
            processes.stop(proc)


def _demo_once(api_url: str) -> None:
    """Fill the demo project unless an earlier ``up --demo`` already did (restarts stay fast)."""
    import runway
    from runway.demo import DEMO_PROJECT, run_demo

    with runway.Client(api_url) as client:
        done = [p for p in client.list_projects() if p.name == DEMO_PROJECT and p.run_count]
    if done:
        typer.echo(f"demo: project {DEMO_PROJECT!r} already has {done[0].run_count} runs")
        return
    result = run_demo(api_url)
    typer.echo(f"demo: {result.runs} runs in project {result.project!r}")


def _tracking(uri: str | None) -> str:
    """The one resolver of the SDK: ``localhost:5000`` or ``htp://…`` is refused with the fix
    instead of becoming a database file of that name; a path becomes absolute."""
    return resolve_tracking_uri(uri)


def _stop_on_signals() -> None:
    """Ctrl-C and ``kill`` both stop the children. SIGINT is reset because a shell starts
    background jobs with it ignored, and Python keeps an inherited ignore."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _sigterm_as_interrupt)


def _sigterm_as_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _until_stopped(procs: list[subprocess.Popen[bytes]]) -> None:
    """Wait for Ctrl-C, SIGTERM or a child's exit, then stop every child."""
    from runway_core import processes

    try:
        processes.wait_any(procs)
        failed = [p for p in procs if p.poll() not in (None, 0)]
        if failed:
            raise typer.Exit(code=failed[0].returncode or 1)
    except KeyboardInterrupt:
        typer.echo("stopping…", err=True)
    finally:
        for proc in reversed(procs):
            processes.stop(proc)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.command("ui")(ui)
    app.command("up")(up)
