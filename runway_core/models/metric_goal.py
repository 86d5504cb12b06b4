"""The metric-goals table: per project, which way a metric key is better when a user said so."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from runway_core.models._common import now_ms


class MetricGoal(SQLModel, table=True):
    """An explicit goal; a key without a row follows the primary metric's goal or its name."""

    __tablename__ = "metric_goals"
    project_id: str = Field(
        foreign_key="projects.id", primary_key=True, max_length=32, ondelete="CASCADE"
    )
    key: str = Field(primary_key=True, max_length=250)
    goal: str = Field(max_length=8)  # max | min
    updated_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
