"""``check_health``: whether the database and the artifact storage answer, for ``/healthz``."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Engine, text

from runway_core import __version__
from runway_core.artifacts.base import ArtifactStore
from runway_core.artifacts.factory import open_artifact_store
from runway_core.schemas.health import HealthCheck, HealthReport


def _timed(probe: Callable[[], None]) -> HealthCheck:
    start = time.perf_counter()
    try:
        probe()
    except Exception as exc:  # any failure is the answer; the message says which
        reason = getattr(exc, "message", None) or str(getattr(exc, "orig", None) or exc)
        first_line = reason.strip().splitlines()[0] if reason.strip() else type(exc).__name__
        return HealthCheck(
            status="failing", seconds=time.perf_counter() - start, error=first_line[:500]
        )
    return HealthCheck(status="ok", seconds=time.perf_counter() - start)


class HealthMixin:
    _engine: Engine
    _artifacts_root: Callable[[], str]  # ArtifactsMixin's: where the bytes go
    _probed_store: ArtifactStore | None = None  # kept: a probe is then one request

    def check_health(self) -> HealthReport:
        """One ``SELECT 1`` on the database; a probe of the artifact storage (server-wide
        credentials, not a project's): the folder is writable, or the S3 bucket answers."""

        def database() -> None:
            with self._engine.connect() as conn:
                conn.execute(text("SELECT 1"))

        def artifacts() -> None:
            if self._probed_store is None:
                self._probed_store = open_artifact_store(self._artifacts_root())
            self._probed_store.check()

        return HealthReport.of(
            __version__, {"database": _timed(database), "artifacts": _timed(artifacts)}
        )
