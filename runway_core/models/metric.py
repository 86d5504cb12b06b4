"""Metric storage: points packed in chunks per (run, key), and a per-run summary row per key.

A chunk holds parallel arrays (steps int64, timestamps int64 ms, values float64) packed with
``array.tobytes()`` (little-endian), plus its step range, count and min/max so that range reads
and downsampling can skip or summarise chunks without unpacking them.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, Index, LargeBinary
from sqlmodel import Field, SQLModel

from runway_core.models._common import now_ms


class MetricChunk(SQLModel, table=True):
    __tablename__ = "metric_chunks"
    __table_args__ = (Index("ix_metric_chunks_run_key_step", "run_id", "key", "step_min"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="runs.id", max_length=32, ondelete="CASCADE")
    key: str = Field(max_length=250)
    step_min: int = Field(sa_type=BigInteger)
    step_max: int = Field(sa_type=BigInteger)
    count: int
    vmin: float | None = Field(default=None, sa_type=Float)
    vmax: float | None = Field(default=None, sa_type=Float)
    steps: bytes = Field(sa_type=LargeBinary)
    timestamps: bytes = Field(sa_type=LargeBinary)
    values: bytes = Field(sa_type=LargeBinary)


class MetricSummary(SQLModel, table=True):
    """Last / min / max of one series, updated in the transaction that writes its points."""

    __tablename__ = "metric_summaries"
    __table_args__ = (Index("ix_metric_summaries_key_last", "key", "last"),)
    run_id: str = Field(foreign_key="runs.id", primary_key=True, max_length=32, ondelete="CASCADE")
    key: str = Field(primary_key=True, max_length=250)
    last: float | None = Field(default=None, sa_type=Float)
    last_step: int = Field(sa_type=BigInteger)
    last_timestamp: int = Field(sa_type=BigInteger)
    min: float | None = Field(default=None, sa_type=Float)
    max: float | None = Field(default=None, sa_type=Float)
    count: int = 0


class IngestedBatch(SQLModel, table=True):
    """Ids of metric batches already stored, so a retried batch is not stored twice.

    Keyed per run: the same id sent to another run is that run's data, not a repeat.
    """

    __tablename__ = "ingested_batches"
    run_id: str = Field(
        foreign_key="runs.id", primary_key=True, max_length=32, ondelete="CASCADE", index=True
    )
    batch_id: str = Field(primary_key=True, max_length=64)
    created_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
