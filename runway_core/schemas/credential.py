"""Credentials on the wire: secrets go in (never logged), only a masked hint comes out."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from runway_core.schemas._common import Schema


class CredentialBase(Schema):
    name: str = Field(max_length=250)
    kind: str = Field(max_length=32)  # s3 | github | generic


class CredentialCreate(CredentialBase):
    # Refused input is left out of validation errors' text: it may be the secret itself.
    model_config = ConfigDict(hide_input_in_errors=True)

    secrets: dict[str, Any] = Field(repr=False)  # never in a log line or traceback


class CredentialPublic(CredentialBase):
    id: str
    project_id: str
    hint: str
    created_at: int
    updated_at: int
