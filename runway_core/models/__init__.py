"""The database tables, one module per entity family. Request and response shapes are in
``runway_core.schemas`` (no SQLModel needed to import them)."""

from runway_core.models.artifact import ArtifactRecord
from runway_core.models.auth import ApiToken, ProjectMember, User
from runway_core.models.credential import Credential
from runway_core.models.experiment import Experiment
from runway_core.models.metric import IngestedBatch, MetricChunk, MetricSummary
from runway_core.models.metric_goal import MetricGoal
from runway_core.models.project import Project
from runway_core.models.run import Param, Run, Tag
from runway_core.models.sweep import Sweep, SweepTrial

__all__ = [
    "ApiToken",
    "ArtifactRecord",
    "Credential",
    "Experiment",
    "IngestedBatch",
    "MetricChunk",
    "MetricGoal",
    "MetricSummary",
    "Param",
    "Project",
    "ProjectMember",
    "Run",
    "Sweep",
    "SweepTrial",
    "Tag",
    "User",
]
