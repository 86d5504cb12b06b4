"""Experiments: an approach or idea within a project; they hold runs."""

from __future__ import annotations

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from runway_core.models._common import new_id, now_ms


class ExperimentBase(SQLModel):
    name: str = Field(max_length=250)
    description: str = ""


class Experiment(ExperimentBase, table=True):
    __tablename__ = "experiments"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_experiment_name"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    project_id: str = Field(
        foreign_key="projects.id", index=True, max_length=32, ondelete="CASCADE"
    )
    created_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
    updated_at: int = Field(default_factory=now_ms, sa_type=BigInteger)


class ExperimentCreate(ExperimentBase):
    pass


class ExperimentUpdate(SQLModel):
    name: str | None = None
    description: str | None = None


class ExperimentPublic(ExperimentBase):
    id: str
    project_id: str
    created_at: int
    updated_at: int


class ExperimentSummary(ExperimentPublic):
    """An experiment with its run count and an aggregate of one metric (project page)."""

    run_count: int = 0
    last_activity: int | None = None
    metric_best: float | None = None
    metric_mean: float | None = None
    metric_last: float | None = None
