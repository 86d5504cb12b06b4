"""``HttpStore``: the ``Store`` protocol over Runway's REST API, one mixin per entity family."""

from __future__ import annotations

from runway_core.store.http.artifacts import ArtifactsMixin
from runway_core.store.http.auth import AuthMixin
from runway_core.store.http.base import HttpBase
from runway_core.store.http.credentials import CredentialsMixin
from runway_core.store.http.experiments import ExperimentsMixin
from runway_core.store.http.goals import GoalsMixin
from runway_core.store.http.health import HealthMixin
from runway_core.store.http.metrics import MetricsMixin
from runway_core.store.http.projects import ProjectsMixin
from runway_core.store.http.runs import RunsMixin
from runway_core.store.http.search import SearchMixin
from runway_core.store.http.sweeps import SweepsMixin


class HttpStore(
    ProjectsMixin,
    ExperimentsMixin,
    RunsMixin,
    MetricsMixin,
    SearchMixin,
    ArtifactsMixin,
    CredentialsMixin,
    GoalsMixin,
    HealthMixin,
    SweepsMixin,
    AuthMixin,
    HttpBase,
):
    """A client of a running ``runway server``; errors come back as the server's exception classes.

    ``HttpStore(url, client=TestClient(app))`` runs over an app in the same process.
    """

    def __repr__(self) -> str:
        return f"HttpStore({self.base_url!r})"


__all__ = ["HttpStore"]
