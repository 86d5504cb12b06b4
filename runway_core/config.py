"""One ``Settings`` (environment variables ``RUNWAY_*``) read by the server, the SDK, the CLI and
the dashboard, and the one resolver that turns a tracking URI into a store address.

``settings()`` is cached until a ``RUNWAY_*`` variable changes, so hot paths (``runway.init()``)
may call it freely. An invalid value is one ``InvalidInput`` naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from runway_core.errors import InvalidInput

DEFAULT_BACKEND_URI = "sqlite:///./runway.db"
DEFAULT_ARTIFACTS_URI = "./runway-artifacts"
ENV_PREFIX = "RUNWAY_"

Mode = Literal["online", "offline", "disabled"]


def _runway_home() -> Path:
    return Path.home() / ".runway"


class Settings(BaseSettings):
    """Every field can be set as ``RUNWAY_<NAME>`` (e.g. ``RUNWAY_TRACKING_URI``)."""

    # An empty variable (``RUNWAY_MODE=``) means unset, as ``${VAR:-default}`` does in a shell.
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", env_ignore_empty=True)

    # -- where data goes --------------------------------------------------------------------
    tracking_uri: str | None = Field(
        None, description="where clients send runs: http(s):// server, database URL or path"
    )
    backend_uri: str = Field(DEFAULT_BACKEND_URI, description="the server's database")
    artifacts_uri: str = Field(DEFAULT_ARTIFACTS_URI, description="folder or s3://bucket/prefix")

    # -- the SDK ----------------------------------------------------------------------------
    mode: Mode = Field("online", description="online, offline (spool only) or disabled")
    project: str | None = Field(None, description="default project of runway.init()")
    experiment: str | None = Field(None, description="default experiment of runway.init()")
    http_timeout: float = Field(15.0, gt=0, description="seconds an SDK request may wait")
    spool_dir: Path = Field(default_factory=lambda: _runway_home() / "spool")
    spool_max_copy_mb: float = Field(
        1024, ge=0, description="largest artifact copied into the spool while offline"
    )
    token: SecretStr | None = Field(
        None, description="API token the SDK, runway.Client and the CLI send to a server"
    )
    silent: bool = Field(False, description="no 'run … recorded in …' line from init()")
    flush_interval: float = Field(
        1.0,
        gt=0,
        le=60,
        description="seconds between sends of buffered metrics (bounds what a SIGKILL loses)",
    )
    exit_timeout: float = Field(
        5.0,
        ge=0,
        description="seconds an interrupted script (Ctrl-C, SIGTERM) keeps uploading before "
        "it spools the rest for runway sync and exits",
    )
    heartbeat_interval: float = Field(
        30.0, gt=0, description="seconds of silence after which a run sends a heart-beat"
    )
    ui_url: str | None = Field(None, description="the dashboard, for init()'s link to the run")

    # -- the server -------------------------------------------------------------------------
    secret_key: SecretStr | None = Field(None, description="Fernet key(s) for credentials")
    secret_key_file: Path = Field(
        default_factory=lambda: _runway_home() / "secret.key",
        description="the embedded default's generated key",
    )
    server_mode: bool = Field(
        False,
        description="serve a team: require a secret key (runway server sets it for a public "
        "bind; the variable can only turn it on)",
    )
    auth: bool = Field(
        False, description="require an API token on every request (runway server --auth)"
    )
    auth_failures_per_minute: int = Field(
        20, gt=0, description="failed authentications per client address before 429"
    )
    max_body_bytes: int = Field(64 * 1024 * 1024, gt=0, description="largest JSON request body")
    max_batch_keys: int = Field(10_000, gt=0, description="metric keys in one ingest batch")
    max_bulk_runs: int = Field(1_000, gt=0, description="runs registered in one request")
    max_writes_per_request: int = Field(10_000, gt=0, description="records in one write batch")
    run_heartbeat_timeout: float = Field(
        300.0,
        gt=0,
        description="seconds without a write or heart-beat after which the server marks a "
        "running run crashed",
    )
    mlflow_project: str = Field(
        "mlflow",
        min_length=1,
        description="project that holds experiments created through the MLflow API (unless "
        "the experiment's runway.project tag names another)",
    )

    # -- sweeps ----------------------------------------------------------------------------
    sweep_heartbeat_timeout: float = Field(
        60.0, gt=0, description="seconds a claimed sweep trial may go without a heart-beat"
    )
    max_string_length: int = Field(
        65_536, gt=0, description="longest string (characters) in a JSON request body"
    )
    # 50,000 is also the most the search schema accepts: the setting can only lower it, and
    # not below the 1,000 runs the dashboard reads for its charts.
    max_page_size: int = Field(
        50_000, ge=1_000, le=50_000, description="most runs one search page may ask for"
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="browser origins allowed to call the API, comma-separated "
        "(https://dash.example.com; * for any); none by default",
    )

    debug: bool = Field(False, description="show tracebacks in CLI errors")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value


_cache: tuple[tuple[tuple[str, str], ...], Settings] | None = None


def _env_key() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(ENV_PREFIX)))


def settings() -> Settings:
    """The settings of this process's environment (re-read when a ``RUNWAY_*`` variable changes)."""
    global _cache
    key = _env_key()
    cached = _cache
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        value = Settings()
    except ValidationError as exc:
        raise settings_error(exc) from None
    _cache = (key, value)
    return value


def settings_error(exc: ValidationError) -> InvalidInput:
    """The first invalid variable as one readable error: ``RUNWAY_MODE: …``."""
    first = exc.errors(include_url=False)[0]
    name = ENV_PREFIX + "_".join(str(p) for p in first.get("loc", ())).upper()
    got = first.get("input")
    shown = f" (got {got!r:.60})" if isinstance(got, str) else ""
    return InvalidInput(f"{name}: {first.get('msg', 'invalid value')}{shown}", field=name)


# --- tracking URIs ---------------------------------------------------------------------------

# "localhost:5000", "10.0.0.5:5000/", "tracker.internal:80/x": a server address missing http://.
_HOST_PORT_RE = re.compile(r"^[A-Za-z0-9][\w.-]*:\d{1,5}(/.*)?$")


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` serves this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to a public interface
        return False


def is_http(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


def normalize_db_uri(uri: str) -> str:
    """A bare path (``runway.db``, ``/data/r.db``) becomes a SQLite URL; ``postgresql://`` gets
    the psycopg driver; other URLs pass unchanged."""
    if "://" in uri:
        if uri.startswith("postgresql://"):
            return "postgresql+psycopg://" + uri[len("postgresql://") :]
        if uri.startswith("postgres://"):
            return "postgresql+psycopg://" + uri[len("postgres://") :]
        return uri
    return f"sqlite:///{Path(uri).expanduser()}"


def resolve_tracking_uri(uri: str | None = None) -> str:
    """The one rule for where runs go, used by the SDK, the CLI, the dashboard and integrations.

    ``None`` → ``RUNWAY_TRACKING_URI`` → ``./runway.db``. ``http(s)://`` stays a server URL
    (trailing ``/`` dropped); a path or SQLite URL becomes an absolute ``sqlite:///`` URL (so
    ``runway sync`` from another folder finds the same file). ``host:port`` without a scheme is
    refused with the fix, rather than silently creating a database file of that name.
    """
    raw = uri if uri else (settings().tracking_uri or DEFAULT_BACKEND_URI)
    raw = raw.strip()
    if not raw:
        raw = DEFAULT_BACKEND_URI
    if is_http(raw):
        return raw.rstrip("/")
    if "://" not in raw and _HOST_PORT_RE.match(raw):
        raise InvalidInput(
            f"tracking URI {raw!r} looks like a server address without a scheme; "
            f"use http://{raw.rstrip('/')} (or a file path such as ./runway.db for a database)",
            field="tracking_uri",
        )
    url = normalize_db_uri(raw)
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix and url != prefix + ":memory:":
        path = url[len(prefix) :]
        if not path.startswith("/"):
            return prefix + str(Path(path).expanduser().resolve())
    return url
