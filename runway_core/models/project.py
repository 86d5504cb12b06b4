"""The projects table: the task at hand, the top of the hierarchy."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from runway_core.models._common import new_id, now_ms


class Project(SQLModel, table=True):
    __tablename__ = "projects"
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=250, unique=True, index=True)
    description: str = ""
    primary_metric: str | None = Field(default=None, max_length=250)
    primary_metric_goal: str = Field(default="max", max_length=8)
    # The role every authenticated user without a membership holds (read / write; None: none).
    default_role: str | None = Field(default=None, max_length=8)
    created_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
    updated_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
