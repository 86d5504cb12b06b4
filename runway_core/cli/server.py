"""``runway server``: migrate the database, then serve the REST API with Uvicorn."""

from __future__ import annotations

import ipaddress
import os
import shutil
import sys
import tempfile
from pathlib import Path

import typer

from runway_core.config import is_loopback, normalize_db_uri, settings
from runway_core.credentials import require_server_key
from runway_core.errors import InvalidInput


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(5000, help="Port to listen on."),
    backend_uri: str | None = typer.Option(
        None,
        help="Database: a SQLite path or URL, or postgresql+psycopg://… "
        "[default: RUNWAY_BACKEND_URI, else ./runway.db]",
    ),
    artifacts_uri: str | None = typer.Option(
        None,
        help="Folder or s3://bucket/prefix "
        "[default: RUNWAY_ARTIFACTS_URI, else ./runway-artifacts]",
    ),
    workers: int = typer.Option(1, min=1, help="Uvicorn worker processes."),
    log_level: str = typer.Option("info", help="Uvicorn log level."),
    auth: bool = typer.Option(
        False, "--auth", help="Require an API token on every request [default: RUNWAY_AUTH]."
    ),
    insecure: bool = typer.Option(
        False, "--insecure", help="Serve a non-loopback address without --auth, knowingly."
    ),
    access_log: bool = typer.Option(
        False, help="Log one line per request (query strings are never logged)."
    ),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        help="Reverse proxies whose X-Forwarded-For/-Proto are believed: addresses or "
        "networks, comma-separated (* for any) [default: RUNWAY_FORWARDED_ALLOW_IPS, else "
        "Uvicorn's FORWARDED_ALLOW_IPS, else none, not even 127.0.0.1].",
    ),
) -> None:
    """Migrate the database, then serve the REST API on HOST:PORT."""
    try:
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise InvalidInput(
            "the server needs its extra: pip install 'runway-tracker[server]'"
        ) from exc
    from runway_core.processes import require_free_ports
    from runway_core.store.sql import SqlStore

    cfg = settings()
    auth = auth or cfg.auth
    if not auth and not insecure and not is_loopback(host):
        raise InvalidInput(
            f"refusing to serve {host} without authentication (anyone who can reach it could "
            "read and change everything): add --auth (or --insecure to override knowingly)"
        )
    # The bind address decides: RUNWAY_SERVER_MODE can turn server mode on, never off.
    server_mode = cfg.server_mode or not is_loopback(host)
    key = cfg.secret_key.get_secret_value() if cfg.secret_key else None
    require_server_key(key, server_mode)  # the app factory checks too; here: one line, no start
    proxies = trusted_proxies(
        forwarded_allow_ips or cfg.forwarded_allow_ips or os.environ.get(UVICORN_PROXIES_ENV)
    )
    backend = normalize_db_uri(backend_uri or cfg.backend_uri)
    artifacts_uri = artifacts_uri or cfg.artifacts_uri
    store = SqlStore(backend)  # migrates on open
    try:
        no_users = auth and not store.list_users()
    finally:
        store.close()
    if no_users:
        typer.echo(
            "no users yet: create one with `runway user create NAME --admin --backend-uri …` "
            "and a token with `runway token create NAME --backend-uri …`",
            err=True,
        )
    # Checked here rather than left to Uvicorn, whose bind error comes after the banner.
    require_free_ports(host, [(port, "API", "--port")])
    env = dict(os.environ)
    env.update(RUNWAY_BACKEND_URI=backend, RUNWAY_ARTIFACTS_URI=artifacts_uri)
    if server_mode:
        env["RUNWAY_SERVER_MODE"] = "true"
    if auth:
        env["RUNWAY_AUTH"] = "true"
    if workers > 1 and not env.get(METRICS_DIR_ENV):
        # Every worker writes its /metrics values here; a scrape sums them (see api/prometheus).
        env[METRICS_DIR_ENV] = str(fresh_metrics_dir())
    from sqlalchemy.engine import make_url

    shown = make_url(backend).render_as_string(hide_password=True)  # logs must not hold secrets
    mode = "authentication on" if auth else "no authentication"
    typer.echo(f"runway server on http://{host}:{port}  (database {shown}, {mode})", err=True)
    args = [
        sys.executable,
        "-m",
        "uvicorn",
        # Each worker of --workers N watches its supervisor and exits when it dies.
        "runway.api.worker:create_app",
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        log_level,
        "--access-log" if access_log else "--no-access-log",
        # Uvicorn would believe X-Forwarded-For from 127.0.0.1 by default: any local client
        # could then pick its own address (and its own failed-login count).
        *(("--forwarded-allow-ips", proxies) if proxies else ("--no-proxy-headers",)),
    ]
    os.execve(sys.executable, args, env)


UVICORN_PROXIES_ENV = "FORWARDED_ALLOW_IPS"


def trusted_proxies(value: str | None) -> str | None:
    """``--forwarded-allow-ips`` checked and normalized (``None``: trust no proxy)."""
    if value is None or not value.strip():
        return None
    items = [item.strip() for item in value.split(",") if item.strip()]
    for item in items:
        if item == "*":
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise InvalidInput(
                f"--forwarded-allow-ips: {item!r} is not an IP address or network "
                "(e.g. 127.0.0.1,10.0.0.0/8, or * for any)",
                field="forwarded_allow_ips",
            ) from None
    return ",".join(items)


METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
_METRICS_DIR_PREFIX = "runway-metrics-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def fresh_metrics_dir() -> Path:
    """An empty ``runway-metrics-<pid>`` folder in the temp dir for this server's workers.

    The server process keeps this pid (it becomes Uvicorn by exec), so folders of servers that
    are gone are known by their name and removed here, rather than left to pile up.
    """
    base = Path(tempfile.gettempdir())
    for old in base.glob(_METRICS_DIR_PREFIX + "*"):
        suffix = old.name[len(_METRICS_DIR_PREFIX) :]
        if suffix.isdigit() and (int(suffix) == os.getpid() or not _alive(int(suffix))):
            shutil.rmtree(old, ignore_errors=True)
    path = base / f"{_METRICS_DIR_PREFIX}{os.getpid()}"
    path.mkdir(mode=0o700)
    return path


def register(app: typer.Typer) -> None:
    app.command("server")(serve)
