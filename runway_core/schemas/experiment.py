"""Experiments on the wire: an approach or idea within a project; they hold runs."""

from __future__ import annotations

from pydantic import Field, StrictBool
from pydantic.json_schema import SkipJsonSchema

from runway_core.schemas._common import Schema
from runway_core.schemas._rules import Name, nullable_tags_schema, tags_schema


class ExperimentBase(Schema):
    name: Name
    description: str = ""
    tags: dict[str, str] = Field(default_factory=dict, json_schema_extra=tags_schema)


class ExperimentCreate(ExperimentBase):
    pass


class ExperimentUpdate(Schema):
    """Fields to change; any may be left out, never null.

    ``tags`` is merged into the experiment's tags: a key set to null is removed. ``deleted``
    moves the experiment to the bin (``deleted_at`` set) or back; its runs stay untouched.
    """

    name: Name | SkipJsonSchema[None] = None
    description: str | SkipJsonSchema[None] = None
    tags: dict[str, str | None] | SkipJsonSchema[None] = Field(
        None, json_schema_extra=nullable_tags_schema
    )
    deleted: StrictBool | SkipJsonSchema[None] = None


class ExperimentPublic(ExperimentBase):
    id: str
    project_id: str
    created_at: int
    updated_at: int
    deleted_at: int | None = None


class ExperimentSummary(ExperimentPublic):
    """An experiment with its run count and an aggregate of one metric (project page)."""

    run_count: int = 0
    last_activity: int | None = None
    metric_best: float | None = None
    metric_mean: float | None = None
    metric_last: float | None = None
