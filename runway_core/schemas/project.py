"""Projects on the wire: the task at hand, the top of the hierarchy."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from runway_core.schemas._common import Schema

Goal = Literal["max", "min"]


class ProjectBase(Schema):
    name: str = Field(max_length=250)
    description: str = ""
    primary_metric: str | None = Field(default=None, max_length=250)
    primary_metric_goal: str = Field(default="max", max_length=8)


class ProjectCreate(ProjectBase):
    primary_metric_goal: Goal = "max"


class ProjectUpdate(Schema):
    name: str | None = None
    description: str | None = None
    primary_metric: str | None = None
    primary_metric_goal: Goal | None = None


class ProjectPublic(ProjectBase):
    id: str
    created_at: int
    updated_at: int


class ProjectSummary(ProjectPublic):
    """A project with the counts and best value the projects page shows."""

    experiment_count: int = 0
    run_count: int = 0
    last_activity: int | None = None
    best_value: float | None = None
