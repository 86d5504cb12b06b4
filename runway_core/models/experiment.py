"""The experiments table: an approach or idea within a project; they hold runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from runway_core.models._common import new_id, now_ms


class Experiment(SQLModel, table=True):
    __tablename__ = "experiments"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_experiment_name"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    project_id: str = Field(
        foreign_key="projects.id", index=True, max_length=32, ondelete="CASCADE"
    )
    name: str = Field(max_length=250)
    description: str = ""
    created_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
    updated_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
    # Free-form labels ({key: text}); MLflow's experiment tags land here.
    tags: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # Set while the experiment is in the bin (MLflow's soft delete); its runs are kept.
    deleted_at: int | None = Field(default=None, sa_type=BigInteger)
