"""Projects: the task at hand, the top of the hierarchy."""

from __future__ import annotations

from typing import Literal

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from runway_core.models._common import new_id, now_ms

Goal = Literal["max", "min"]


class ProjectBase(SQLModel):
    name: str = Field(max_length=250)
    description: str = ""
    primary_metric: str | None = Field(default=None, max_length=250)
    primary_metric_goal: str = Field(default="max", max_length=8)


class Project(ProjectBase, table=True):
    __tablename__ = "projects"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=250, unique=True, index=True)
    created_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
    updated_at: int = Field(default_factory=now_ms, sa_type=BigInteger)


class ProjectCreate(ProjectBase):
    primary_metric_goal: Goal = "max"


class ProjectUpdate(SQLModel):
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
