"""The sweeps table (a parameter search that creates and tracks runs) and its trials."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Text, UniqueConstraint
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
    status: str = Field(default="running", max_length=16)  # running | paused | stopped
    created_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
    # The whole validated spec (runway_core.sweeps.spec.SweepSpec), seed filled in.
    spec: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    seed: int = Field(default=0, sa_type=BigInteger)
    updated_at: int = Field(default_factory=now_ms, sa_type=BigInteger)


class SweepTrial(SQLModel, table=True):
    """A sweep's slot: its current attempt's run, with who claimed it and when it last showed
    signs of life. Its state is that run's status (queued → running → finished / failed /
    killed). A trial whose worker went silent is retried on a new run (``requeue``): the dead
    attempts' runs stay, ended ``killed``, listed in ``previous_runs``."""

    __tablename__ = "sweep_trials"
    __table_args__ = (
        UniqueConstraint("sweep_id", "number", name="uq_sweep_trials_number"),
        Index("ix_sweep_trials_sweep", "sweep_id"),
    )
    run_id: str = Field(foreign_key="runs.id", primary_key=True, max_length=32, ondelete="CASCADE")
    sweep_id: str = Field(foreign_key="sweeps.id", max_length=32, ondelete="CASCADE")
    number: int
    worker: str | None = Field(default=None, max_length=250)
    claimed_at: int | None = Field(default=None, sa_type=BigInteger)
    heartbeat_at: int | None = Field(default=None, sa_type=BigInteger)
    attempts: int = 0
    stop_reason: str | None = Field(default=None, sa_type=Text)
    launched: str | None = Field(default=None, sa_type=Text)  # the launcher's URL or id
    previous_runs: list[str] | None = Field(default=None, sa_type=JSON)  # oldest first
