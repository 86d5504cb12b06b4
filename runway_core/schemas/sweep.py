"""Sweeps on the wire: a parameter search that creates and tracks runs."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from runway_core.schemas._common import Schema


class SweepBase(Schema):
    name: str = Field(max_length=250)
    method: str = Field(default="random", max_length=16)  # grid | random | bayes
    space: dict[str, Any] = Field(default_factory=dict)
    metric: str = Field(max_length=250)
    goal: str = Field(default="max", max_length=8)
    budget: int | None = None
    status: str = Field(default="running", max_length=16)


class SweepPublic(SweepBase):
    id: str
    experiment_id: str
    project_id: str
    created_at: int
