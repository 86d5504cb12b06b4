"""The credentials table: secrets for outside services, scoped to a project, encrypted."""

from __future__ import annotations

from sqlalchemy import BigInteger, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from runway_core.models._common import new_id, now_ms


class Credential(SQLModel, table=True):
    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_credential_name"),)
    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    project_id: str = Field(
        foreign_key="projects.id", max_length=32, index=True, ondelete="CASCADE"
    )
    name: str = Field(max_length=250)
    kind: str = Field(max_length=32)  # s3 | github | generic
    blob: bytes = Field(sa_type=LargeBinary)  # Fernet token of the JSON secret fields
    hint: str = Field(default="", max_length=250)
    created_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
    updated_at: int = Field(default_factory=now_ms, sa_type=BigInteger)
