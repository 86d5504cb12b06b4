"""Metric goals of a project: which way each metric is better (lower for a loss, say)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from runway_core.schemas import MetricGoalPublic, MetricGoalSet
from runway_core.schemas._rules import KEY, MAX_KEY_LENGTH

from ..deps import StoreDep

router = APIRouter(tags=["projects"])
BASE = "/projects/{project_id}/metric-goals"
# The store checks the key (a 400 naming it); the schema says which keys it takes.
MetricKey = Annotated[str, Path(json_schema_extra={"pattern": KEY, "maxLength": MAX_KEY_LENGTH})]


class MetricGoalsPublic(BaseModel):
    data: list[MetricGoalPublic]
    count: int


@router.get(BASE, response_model=MetricGoalsPublic)
def list_metric_goals(project_id: str, store: StoreDep) -> MetricGoalsPublic:
    """The goals set for this project; a metric without one follows the primary metric's goal
    or its name (``val_loss``, ``rmse``, ``latency`` → min; otherwise max)."""
    data = store.list_metric_goals(project_id)
    return MetricGoalsPublic(data=data, count=len(data))


@router.put(BASE + "/{key:path}", response_model=MetricGoalPublic)
def set_metric_goal(
    project_id: str, key: MetricKey, body: MetricGoalSet, store: StoreDep
) -> MetricGoalPublic:
    return store.set_metric_goal(project_id, key, body.goal)


@router.delete(BASE + "/{key:path}", response_model=MetricGoalPublic)
def reset_metric_goal(project_id: str, key: MetricKey, store: StoreDep) -> MetricGoalPublic:
    """Remove the setting; the answer is the default goal now in force, and where it comes from."""
    return store.set_metric_goal(project_id, key, None)
