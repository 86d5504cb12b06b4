"""Experiments on the wire: an approach or idea within a project; they hold runs."""

from __future__ import annotations

from pydantic.json_schema import SkipJsonSchema

from runway_core.schemas._common import Schema
from runway_core.schemas._rules import Name


class ExperimentBase(Schema):
    name: Name
    description: str = ""


class ExperimentCreate(ExperimentBase):
    pass


class ExperimentUpdate(Schema):
    """Fields to change; either may be left out, never null."""

    name: Name | SkipJsonSchema[None] = None
    description: str | SkipJsonSchema[None] = None


class ExperimentPublic(ExperimentBase):
    id: str
    project_id: str
    created_at: int
    updated_at: int


class ExperimentSummary(ExperimentPublic):
    """An experiment with its run count and an aggregate of one metric (project page)."""

    run_count: int = 0
    last_activity: int | None = None
    metric_best: float | None = None
    metric_mean: float | None = None
    metric_last: float | None = None
