"""The sweeps table: a parameter search that creates and tracks runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger
from sqlmodel import Field, SQLModel

from runway_core.models._common import new_id, now_ms


class Sweep(SQLModel, table=True):
    __tablename__ = "sweeps"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    experiment_id: str = Field(foreign_key="experiments.id", max_length=32, ondelete="CASCADE")
    project_id: str = Field(
        foreign_key="projects.id", max_length=32, index=True, ondelete="CASCADE"
    )
    name: str = Field(max_length=250)
    method: str = Field(default="random", max_length=16)  # grid | random | bayes
    space: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    metric: str = Field(max_length=250)
    goal: str = Field(default="max", max_length=8)
    budget: int | None = None
    status: str = Field(default="running", max_length=16)
    created_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
