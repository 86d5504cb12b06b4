"""The artifacts table: a run's path index into the content-addressed artifact store, or a link."""

from __future__ import annotations

from sqlalchemy import BigInteger, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from runway_core.models._common import new_id, now_ms


class ArtifactRecord(SQLModel, table=True):
    __tablename__ = "artifacts"
    __table_args__ = (UniqueConstraint("run_id", "path", name="uq_artifact_run_path"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    run_id: str = Field(foreign_key="runs.id", max_length=32, index=True, ondelete="CASCADE")
    path: str = Field(max_length=1000)
    kind: str = Field(default="file", max_length=16)  # file | archive | link
    size: int | None = Field(default=None, sa_type=BigInteger)
    sha256: str | None = Field(default=None, max_length=64)
    uri: str = Field(sa_type=Text)  # "sha256:<hex>" for stored content, the link otherwise
    media_type: str | None = Field(default=None, max_length=120)
    created_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
