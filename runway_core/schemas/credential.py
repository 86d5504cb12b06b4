"""Credentials on the wire: secrets go in (never logged), only a masked hint comes out."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from runway_core.schemas._common import Schema


class CredentialBase(Schema):
    name: str = Field(max_length=250)
    kind: str = Field(max_length=32)  # s3 | github | generic


class CredentialCreate(CredentialBase):
    secrets: dict[str, Any] = Field(repr=False)  # never in a log line or traceback


class CredentialPublic(CredentialBase):
    id: str
    project_id: str
    hint: str
    created_at: int
    updated_at: int
