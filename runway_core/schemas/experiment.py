"""Experiments on the wire: an approach or idea within a project; they hold runs."""

from __future__ import annotations

from pydantic import Field

from runway_core.schemas._common import Schema


class ExperimentBase(Schema):
    name: str = Field(max_length=250)
    description: str = ""


class ExperimentCreate(ExperimentBase):
    pass


class ExperimentUpdate(Schema):
    name: str | None = None
    description: str | None = None


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
