"""``SqlStore``: the Store protocol on SQLite (embedded default, WAL) or PostgreSQL."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from runway_core.errors import StoreUnavailable
from runway_core.store.sql.artifacts import ArtifactsMixin
from runway_core.store.sql.auth import AuthMixin
from runway_core.store.sql.engine import make_engine, migrate
from runway_core.store.sql.experiments import ExperimentsMixin
from runway_core.store.sql.goals import GoalsMixin
from runway_core.store.sql.health import HealthMixin
from runway_core.store.sql.metrics import MetricsMixin
from runway_core.store.sql.projects import ProjectsMixin
from runway_core.store.sql.runs import RunsMixin
from runway_core.store.sql.search import SearchMixin
from runway_core.store.sql.sweeps import SweepsMixin
from runway_core.store.sql.trials import TrialsMixin
from runway_core.store.sql.writes import WritesMixin


class SqlStore(
    ProjectsMixin,
    ExperimentsMixin,
    WritesMixin,
    RunsMixin,
    MetricsMixin,
    SearchMixin,
    ArtifactsMixin,
    GoalsMixin,
    HealthMixin,
    SweepsMixin,
    TrialsMixin,
    AuthMixin,
):
    """One store over one database; thread-safe, each call is its own transaction."""

    def __init__(
        self,
        uri: str,
        *,
        artifacts_uri: str | None = None,
        secret_key: str | None = None,
        migrate: bool = True,
    ):
        """``secret_key``: Fernet key(s) for credentials; by default ``RUNWAY_SECRET_KEY``, else
        the embedded default's key file (see ``runway_core.credentials``)."""
        self.uri = uri
        self._engine = make_engine(uri)
        self._artifacts_uri = artifacts_uri
        self._secret_key = secret_key
        if migrate:
            self._migrate()

    def _migrate(self) -> None:
        try:
            migrate(self._engine)
        except OperationalError as exc:
            url = self._engine.url.render_as_string(hide_password=True)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise StoreUnavailable(f"cannot open the database {url}: {reason}") from exc

    def close(self) -> None:
        self._engine.dispose()

    def __repr__(self) -> str:
        return f"SqlStore({self._engine.url.render_as_string(hide_password=True)!r})"


__all__ = ["SqlStore"]
