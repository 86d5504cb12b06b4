"""The runs table, with its params and tags: one configuration and its result."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Float, Index, String, Text
from sqlmodel import Field, SQLModel

from runway_core.models._common import new_id, now_ms
from runway_core.schemas.run import RunSource, RunStatus


class Run(SQLModel, table=True):
    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_experiment_start", "experiment_id", "start_time"),
        Index("ix_runs_project_start", "project_id", "start_time"),
        Index("ix_runs_status_heartbeat", "status", "heartbeat_at"),
    )
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    experiment_id: str = Field(foreign_key="experiments.id", max_length=32, ondelete="CASCADE")
    # Denormalised so project-wide search needs no join through experiments.
    project_id: str = Field(foreign_key="projects.id", max_length=32, ondelete="CASCADE")
    name: str | None = Field(default=None, max_length=250)
    status: RunStatus = Field(default=RunStatus.running, sa_column=Column(String(16), index=True))
    start_time: int | None = Field(default=None, sa_type=BigInteger)
    end_time: int | None = Field(default=None, sa_type=BigInteger)
    user: str | None = Field(default=None, max_length=250)
    source: RunSource = Field(default=RunSource.api, sa_column=Column(String(16)))
    # Orchestrator ids: {"flow_run_id": …} or {"dag_id": …, "run_id": …, "task_id": …}
    source_ids: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    parent_run_id: str | None = Field(default=None, max_length=32)
    sweep_id: str | None = Field(default=None, max_length=32)
    git_commit: str | None = Field(default=None, max_length=64)
    git_branch: str | None = Field(default=None, max_length=250)
    git_remote: str | None = Field(default=None, max_length=1000)
    git_dirty: bool | None = None
    command: str | None = Field(default=None, sa_type=Text)
    host: str | None = Field(default=None, max_length=250)
    python_version: str | None = Field(default=None, max_length=64)
    description: str = Field(default="", sa_type=Text)
    created_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
    updated_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
    deleted_at: int | None = Field(default=None, sa_type=BigInteger)
    # When its process was last heard from; set once it sent a heart-beat (see HeartbeatWrite).
    heartbeat_at: int | None = Field(default=None, sa_type=BigInteger)


class Param(SQLModel, table=True):
    """A typed param; ``num`` and ``text`` are derived so search can compare either way.

    ``value`` is JSON text: a JSON column would get NUMERIC affinity on SQLite and turn 1.0 into 1.
    """

    __tablename__ = "params"
    __table_args__ = (Index("ix_params_key_num", "key", "num"),)
    run_id: str = Field(foreign_key="runs.id", primary_key=True, max_length=32, ondelete="CASCADE")
    key: str = Field(primary_key=True, max_length=250)
    value: str = Field(default="null", sa_type=Text)
    num: float | None = Field(default=None, sa_type=Float)
    text: str | None = Field(default=None, sa_type=Text)


class Tag(SQLModel, table=True):
    __tablename__ = "tags"
    run_id: str = Field(foreign_key="runs.id", primary_key=True, max_length=32, ondelete="CASCADE")
    key: str = Field(primary_key=True, max_length=250)
    value: str = Field(sa_type=Text)
