"""Bodies that exist only on the wire; the store's DTOs are used as they are everywhere else."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, StrictBool

from runway_core.schemas import ExperimentSummary, ProjectSummary, RunCreate, RunPublic
from runway_core.schemas._rules import params_schema, tags_schema


class ProjectsPublic(BaseModel):
    data: list[ProjectSummary]
    count: int


class ExperimentsPublic(BaseModel):
    data: list[ExperimentSummary]
    count: int


class RunsBulkCreate(BaseModel):
    """Many runs registered in one transaction (sweeps, importers)."""

    runs: list[RunCreate] = Field(min_length=1)


class RunsPublic(BaseModel):
    data: list[RunPublic]
    count: int


class ParamsLog(BaseModel):
    """Params to add to a run; nested dicts are flattened to dotted keys."""

    params: dict[str, Any] = Field(json_schema_extra=params_schema)
    overwrite: StrictBool = Field(False, description="allow changing the value of a logged param")


class TagsSet(BaseModel):
    tags: dict[str, str] = Field(json_schema_extra=tags_schema)
