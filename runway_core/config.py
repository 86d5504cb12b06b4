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
        None,
        description="where the SDK and the dashboard read and write: an http(s):// server, or "
        "a database path or URL (unset: sqlite:///./runway.db)",
    )
    backend_uri: str = Field(
        DEFAULT_BACKEND_URI,
        description="the server's database (sqlite:///… or postgresql+psycopg://…)",
    )
    artifacts_uri: str = Field(
        DEFAULT_ARTIFACTS_URI, description="artifact root: a folder or s3://bucket/prefix"
    )

    # -- the SDK ----------------------------------------------------------------------------
    mode: Mode = Field(
        "online",
        description="offline: the SDK writes only to the local spool (runway sync later); "
        "disabled: every SDK call is a no-op (for CI)",
    )
    project: str | None = Field(
        None, description="project of runway.init() when it names none (unset: default)"
    )
    experiment: str | None = Field(
        None, description="experiment of runway.init() when it names none (unset: default)"
    )
    http_timeout: float = Field(
        15.0, gt=0, description="seconds an SDK request to the server may take (connecting: 5)"
    )
    spool_dir: Path = Field(
        default_factory=lambda: _runway_home() / "spool",
        description="where unsent writes wait for runway sync",
    )
    spool_max_copy_mb: float = Field(
        1024,
        ge=0,
        description="larger files logged while the server is down are uploaded later from "
        "their own path instead of being copied into the spool",
    )
    token: SecretStr | None = Field(
        None,
        description="the API token the SDK, runway.Client and the CLI send to a server "
        "started with --auth",
    )
    silent: bool = Field(False, description="true: runway.init() prints no line on stderr")
    ui_url: str | None = Field(
        None,
        description="the dashboard's URL, for the link to the run in init()'s line and the "
        "Prefect link artifact",
    )
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
        30.0,
        gt=0,
        description="seconds without a write after which the SDK sends a heart-beat for each "
        "open run",
    )

    # -- the server -------------------------------------------------------------------------
    secret_key: SecretStr | None = Field(
        None,
        description="Fernet key(s) that encrypt credentials (runway secret-key makes one; "
        "comma-separated to rotate: the first encrypts, all decrypt); required when serving "
        "beyond localhost; the embedded default generates one",
    )
    secret_key_file: Path = Field(
        default_factory=lambda: _runway_home() / "secret.key",
        description="where the embedded default keeps the key it generated",
    )
    server_mode: bool = Field(
        False,
        description="serving a team: the app refuses to start without a valid secret key. "
        "runway server turns it on when --host is not a loopback address; the variable can "
        "only turn it on (set it when starting uvicorn runway.api.app:create_app_from_env "
        "--factory yourself)",
    )
    auth: bool = Field(
        False, description="require an API token on every request (runway server --auth)"
    )
    auth_failures_per_minute: int = Field(
        20,
        gt=0,
        description="failed authentications per client address and minute before a failing "
        "token gets 429 (per worker; a valid token always passes)",
    )
    max_body_bytes: int = Field(
        64 * 1024 * 1024,
        gt=0,
        description="largest JSON request body the server accepts (413 beyond)",
    )
    max_batch_keys: int = Field(
        10_000,
        gt=0,
        description="most metric keys in one batch, and params or tags per run in one request "
        "(413 beyond)",
    )
    max_bulk_runs: int = Field(
        1_000, gt=0, description="most runs in one POST /api/v1/runs/bulk (413 beyond)"
    )
    max_writes_per_request: int = Field(
        10_000, gt=0, description="most write records in one POST /api/v1/writes (413 beyond)"
    )
    max_upload_bytes: int = Field(
        10 * 1024**3,
        gt=0,
        description="largest artifact upload, in bytes, one file (413 before reading when the "
        "declared length is larger; counted as it streams otherwise)",
    )
    body_timeout: float = Field(
        20.0,
        gt=0,
        description="seconds a request body may send nothing before 408; also the grace of "
        "RUNWAY_BODY_MIN_RATE",
    )
    body_min_rate: int = Field(
        500,
        ge=0,
        description="bytes per second a request body must average after RUNWAY_BODY_TIMEOUT "
        "(0: no minimum)",
    )
    uploads_per_user: int = Field(
        8,
        gt=0,
        description="artifact uploads one user (or, without --auth, one address) may send at "
        "once, per worker (429 beyond)",
    )
    forwarded_allow_ips: str | None = Field(
        None,
        description="reverse proxies whose X-Forwarded-For/-Proto runway server believes: "
        "addresses or networks, comma-separated (* for any); none by default",
    )
    run_heartbeat_timeout: float = Field(
        300.0,
        gt=0,
        description="seconds without a write or heart-beat after which the server marks a "
        "running run crashed",
    )
    mlflow_project: str = Field(
        "mlflow",
        min_length=1,
        description="project of the experiments created through the MLflow API (unless their "
        "runway.project tag names another) and of runway import mlflow",
    )
    mlflow_default_role: Literal["write", "read", "none"] = Field(
        "write",
        description="with --auth, the role every user holds in the MLflow project (made at "
        "server start) unless a membership says otherwise: write, read or none",
    )

    # -- sweeps ----------------------------------------------------------------------------
    sweep_heartbeat_timeout: float = Field(
        60.0,
        gt=0,
        description="seconds a claimed sweep trial may go without a heart-beat (or a metric "
        "write) before it is given up and retried on a new run",
    )
    max_string_length: int = Field(
        65_536,
        gt=0,
        description="longest string, in characters, anywhere in a JSON request body (413 "
        "naming the field beyond); fields with a stricter limit of their own keep it",
    )
    # 50,000 is also the most the search schema accepts: the setting can only lower it, and
    # not below the 1,000 runs the dashboard reads for its charts.
    max_page_size: int = Field(
        50_000,
        ge=1_000,
        le=50_000,
        description="most runs one search page may ask for (limit; 400 beyond); between 1,000 "
        "(what the dashboard reads) and 50,000",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="browser origins allowed to call the API, comma-separated "
        "(https://dash.example.com; * for any); none by default",
    )

    debug: bool = Field(False, description="CLI errors show their traceback instead of one line")

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
# Databases Runway stores runs in (any driver: ``postgresql+psycopg://``, ``sqlite+pysqlite://``).
_DB_SCHEMES = ("sqlite", "postgresql", "postgres")
_PASSWORD_RE = re.compile(r"(://[^:/@]+):[^@]*@")


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


def _check_address(raw: str, what: str) -> None:
    """Refuse what is neither a path nor a URL of a known scheme, with the fix: ``host:port``
    (a server address without ``http://``) and ``htp://…`` would otherwise become a database
    file of that name, or an error only when the first write fails."""
    field = what.lower().replace(" ", "_")
    if "://" not in raw:
        if _HOST_PORT_RE.match(raw):
            raise InvalidInput(
                f"{what} {raw!r} looks like a server address without a scheme; "
                f"use http://{raw.rstrip('/')} (or a file path such as ./runway.db for a "
                "database)",
                field=field,
            )
        return
    scheme = raw.split("://", 1)[0].lower()
    shown = _PASSWORD_RE.sub(r"\1:***@", raw)  # a mistyped scheme must not print the password
    if is_http(raw.lower()) and what != "tracking URI":
        raise InvalidInput(
            f"{what} {shown!r} is a server URL, not a database: give a database URL "
            "(postgresql://…) or a file path",
            field=field,
        )
    if scheme not in ("http", "https") and scheme.split("+")[0] not in _DB_SCHEMES:
        raise InvalidInput(
            f"{what} {shown!r} has an unknown scheme {scheme + '://'!r}; use http:// or https:// "
            "for a Runway server, sqlite:/// or postgresql:// for a database, or a file path",
            field=field,
        )


def normalize_db_uri(uri: str, *, what: str = "database URI") -> str:
    """A bare path (``runway.db``, ``/data/r.db``) becomes a SQLite URL; ``postgresql://`` gets
    the psycopg driver; other SQLite and PostgreSQL URLs pass unchanged. A server address
    without a scheme and an unknown scheme are refused (``InvalidInput`` naming ``what``)."""
    _check_address(uri, what)
    if "://" in uri:
        if uri.startswith("postgresql://"):
            return "postgresql+psycopg://" + uri[len("postgresql://") :]
        if uri.startswith("postgres://"):
            return "postgresql+psycopg://" + uri[len("postgres://") :]
        return uri
    return f"sqlite:///{Path(uri).expanduser()}"


def resolve_backend_uri(uri: str) -> str:
    """A server's database as a URL: a path becomes an absolute ``sqlite:///`` URL; a server
    address, ``http://`` or an unknown scheme is refused naming the fix."""
    return _absolute_sqlite(normalize_db_uri(uri.strip()))


def _absolute_sqlite(url: str) -> str:
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix and url != prefix + ":memory:":
        path = url[len(prefix) :]
        if not path.startswith("/"):
            return prefix + str(Path(path).expanduser().resolve())
    return url


def resolve_tracking_uri(uri: str | None = None) -> str:
    """The one rule for where runs go, used by the SDK, the CLI, the dashboard and integrations.

    ``None`` → ``RUNWAY_TRACKING_URI`` → ``./runway.db``. ``http(s)://`` stays a server URL
    (trailing ``/`` dropped); a path or SQLite URL becomes an absolute ``sqlite:///`` URL (so
    ``runway sync`` from another folder finds the same file). ``host:port`` without a scheme and
    an unknown scheme (``htp://``) are refused with the fix, rather than silently creating a
    database file of that name.
    """
    raw = uri if uri else (settings().tracking_uri or DEFAULT_BACKEND_URI)
    raw = raw.strip()
    if not raw:
        raw = DEFAULT_BACKEND_URI
    if is_http(raw):
        return raw.rstrip("/")
    return _absolute_sqlite(normalize_db_uri(raw, what="tracking URI"))
