"""The request and response shapes every part exchanges, importable without SQLModel/SQLAlchemy.

An HTTP-only client (the SDK against a server, an Airflow or Prefect worker) needs only
``httpx`` and ``pydantic`` for these; the tables live in ``runway_core.models``.
"""

from runway_core.schemas._common import Schema, new_id, now_ms
from runway_core.schemas.artifact import (
    ArchiveMember,
    ArtifactDiff,
    ArtifactPreview,
    ArtifactPublic,
)
from runway_core.schemas.credential import CredentialCreate, CredentialPublic
from runway_core.schemas.experiment import (
    ExperimentCreate,
    ExperimentPublic,
    ExperimentSummary,
    ExperimentUpdate,
)
from runway_core.schemas.metric import (
    MetricBatch,
    MetricBatchResult,
    MetricSeries,
    MetricSeriesIn,
)
from runway_core.schemas.project import (
    Goal,
    MetricGoalPublic,
    MetricGoalSet,
    ProjectCreate,
    ProjectPublic,
    ProjectSummary,
    ProjectUpdate,
)
from runway_core.schemas.run import (
    MetricSummaryPublic,
    RunCreate,
    RunPublic,
    RunSource,
    RunStatus,
    RunUpdate,
)
from runway_core.schemas.search import MAX_SEARCH_LIMIT, RunPage, RunSearch
from runway_core.schemas.sweep import SweepCreate, SweepPublic, TrialPublic

__all__ = [
    "MAX_SEARCH_LIMIT",
    "ArchiveMember",
    "ArtifactDiff",
    "ArtifactPreview",
    "ArtifactPublic",
    "CredentialCreate",
    "CredentialPublic",
    "ExperimentCreate",
    "ExperimentPublic",
    "ExperimentSummary",
    "ExperimentUpdate",
    "Goal",
    "MetricBatch",
    "MetricBatchResult",
    "MetricGoalPublic",
    "MetricGoalSet",
    "MetricSeries",
    "MetricSeriesIn",
    "MetricSummaryPublic",
    "ProjectCreate",
    "ProjectPublic",
    "ProjectSummary",
    "ProjectUpdate",
    "RunCreate",
    "RunPage",
    "RunPublic",
    "RunSearch",
    "RunSource",
    "RunStatus",
    "RunUpdate",
    "Schema",
    "SweepCreate",
    "SweepPublic",
    "TrialPublic",
    "new_id",
    "now_ms",
]
