"""Table models and the data shapes that cross the store boundary, one module per entity family."""

from runway_core.models.artifact import (
    ArchiveMember,
    ArtifactDiff,
    ArtifactPreview,
    ArtifactPublic,
    ArtifactRecord,
)
from runway_core.models.credential import Credential, CredentialCreate, CredentialPublic
from runway_core.models.experiment import (
    Experiment,
    ExperimentCreate,
    ExperimentPublic,
    ExperimentSummary,
    ExperimentUpdate,
)
from runway_core.models.metric import (
    IngestedBatch,
    MetricBatch,
    MetricBatchResult,
    MetricChunk,
    MetricSeries,
    MetricSeriesIn,
    MetricSummary,
)
from runway_core.models.project import (
    Project,
    ProjectCreate,
    ProjectPublic,
    ProjectSummary,
    ProjectUpdate,
)
from runway_core.models.run import (
    MetricSummaryPublic,
    Param,
    Run,
    RunCreate,
    RunPublic,
    RunSource,
    RunStatus,
    RunUpdate,
    Tag,
)
from runway_core.models.search import RunPage, RunSearch
from runway_core.models.sweep import Sweep, SweepPublic

__all__ = [
    "ArchiveMember",
    "ArtifactDiff",
    "ArtifactPreview",
    "ArtifactPublic",
    "ArtifactRecord",
    "Credential",
    "CredentialCreate",
    "CredentialPublic",
    "Experiment",
    "ExperimentCreate",
    "ExperimentPublic",
    "ExperimentSummary",
    "ExperimentUpdate",
    "IngestedBatch",
    "MetricBatch",
    "MetricBatchResult",
    "MetricChunk",
    "MetricSeries",
    "MetricSeriesIn",
    "MetricSummary",
    "MetricSummaryPublic",
    "Param",
    "Project",
    "ProjectCreate",
    "ProjectPublic",
    "ProjectSummary",
    "ProjectUpdate",
    "Run",
    "RunCreate",
    "RunPage",
    "RunPublic",
    "RunSearch",
    "RunSource",
    "RunStatus",
    "RunUpdate",
    "Sweep",
    "SweepPublic",
    "Tag",
]
