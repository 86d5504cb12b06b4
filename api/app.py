"""The FastAPI app: ``create_app(settings, store=)`` and the env-driven factory for Uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from runway_core import __version__, config
from runway_core.config import Settings, normalize_db_uri
from runway_core.credentials import require_server_key
from runway_core.errors import ServerMisconfigured
from runway_core.store import Store

from .authorize import authorize, install_auth
from .body_deadline import BodyDeadline
from .docs_ui import install_docs
from .errors import install_error_handlers
from .guards import RefuseUnstorableText
from .limits import BodySizeLimit
from .liveness import crashed_run_sweep
from .log_redaction import redact_logs
from .mlflow import router as mlflow_router
from .mlflow.context import open_mlflow_project
from .openapi import install_openapi
from .prometheus import install_metrics
from .routes import (
    artifacts,
    credentials,
    experiments,
    health,
    members,
    metrics,
    projects,
    runs,
    search,
    users,
    writes,
)
from .routes.goals import router as goals_router
from .routes.sweeps import router as sweeps_router
from .security_headers import install_security_headers
from .uploads import Uploads

API_PREFIX = "/api/v1"


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> FastAPI:
    """Build the app over ``store``, or over a ``SqlStore`` opened (and migrated) from settings
    (by default this process's ``RUNWAY_*`` settings).

    Every way of starting the app passes here, so the checks that guard a team server are here:
    in server mode it is not built without a valid ``RUNWAY_SECRET_KEY``, and a malformed key
    fails now rather than at the first credential. A store passed in stays the caller's to
    close; one opened here is closed on shutdown.
    """
    settings = settings or config.settings()
    key = settings.secret_key.get_secret_value() if settings.secret_key else None
    require_server_key(key, settings.server_mode)
    owns_store = store is None
    if store is None:
        from runway_core.store.sql import SqlStore

        store = SqlStore(
            normalize_db_uri(settings.backend_uri),
            artifacts_uri=settings.artifacts_uri,
            secret_key=key,
        )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with crashed_run_sweep(_app.state.store, settings.run_heartbeat_timeout):
            yield
        _app.state.uploads.close()
        if owns_store:
            _app.state.store.close()

    app = FastAPI(
        title="Runway",
        version=__version__,
        description="Track machine-learning projects, experiments, runs, metrics and artifacts.",
        lifespan=lifespan,
        # /docs and /redoc are install_docs's: the same pages, with their assets served here.
        docs_url=None,
        redoc_url=None,
        # Every route, present and future, passes the one authentication and rule check.
        dependencies=[Depends(authorize)],
    )
    app.state.settings = settings
    redact_logs()
    app.state.store = store
    app.state.route_templates = {}
    if settings.auth:
        engine = getattr(store, "engine", None)
        if engine is None:
            raise ServerMisconfigured("authentication needs the server's own database store")
        install_auth(app, engine, failures_per_minute=settings.auth_failures_per_minute)
    if settings.auth:  # shared by the team: it exists before any request, owned by no one
        open_mlflow_project(store, getattr(app.state, "access", None), settings)
    install_error_handlers(app)
    # Added first, so it runs inside the size limit and never buffers an oversized body.
    app.add_middleware(RefuseUnstorableText, max_string_length=settings.max_string_length)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    # Outside the limits, which read bodies: every read of a body is bounded in time.
    app.add_middleware(BodyDeadline, timeout=settings.body_timeout, min_rate=settings.body_min_rate)
    app.state.uploads = Uploads(settings.uploads_per_user)
    # Outside the limits: refused requests get the headers, and are counted and timed.
    install_security_headers(app, settings)
    install_metrics(app)
    app.include_router(health.router)
    # Search first: its GET /runs and POST /runs/search must not be read as /runs/{run_id}.
    routers = (projects, members, experiments, search, runs, metrics, artifacts, credentials)
    for module in (*routers, writes, users):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(goals_router, prefix=API_PREFIX)
    app.include_router(sweeps_router, prefix=API_PREFIX)
    app.include_router(mlflow_router)  # /api/2.0/mlflow, /ajax-api/2.0/mlflow, mlflow-artifacts
    install_openapi(app)
    install_docs(app)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory``: settings from ``RUNWAY_*`` variables."""
    return create_app(config.settings())
