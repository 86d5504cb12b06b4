"""Metric goals over the REST API: ``/projects/{id}/metric-goals[/{key}]``."""

from __future__ import annotations

from runway_core.metrics.goals import Goal
from runway_core.schemas import MetricGoalPublic
from runway_core.store.http.base import HttpBase, encode, segment


class GoalsMixin(HttpBase):
    def set_metric_goal(self, project_id: str, key: str, goal: Goal | None) -> MetricGoalPublic:
        path = f"/projects/{segment(project_id)}/metric-goals/{segment(key)}"
        if goal is None:
            body = self._request("DELETE", path)
        else:
            # Sent as given: the server refuses a bad goal with the same error as SqlStore.
            body = self._request("PUT", path, content=encode({"goal": goal}))
        return MetricGoalPublic.model_validate(body)

    def list_metric_goals(self, project_id: str) -> list[MetricGoalPublic]:
        body = self._request("GET", f"/projects/{segment(project_id)}/metric-goals")
        return [MetricGoalPublic.model_validate(g) for g in body["data"]]
