"""Metric goals in the SQL store: per-project settings, and the goal in force for the aggregates."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete
from sqlmodel import Session, col, select

from runway_core.errors import NotFound
from runway_core.metrics.goals import Goal, ResolvedGoal, check_goal, resolve_goal
from runway_core.models import MetricGoal, Project
from runway_core.models._common import now_ms
from runway_core.schemas import MetricGoalPublic
from runway_core.store.sql.base import SqlBase
from runway_core.validation import check_key


def goal_settings(session: Session, project_ids: Sequence[str]) -> dict[str, dict[str, str]]:
    """Per project id, its stored settings as ``{key: goal}``."""
    out: dict[str, dict[str, str]] = {pid: {} for pid in project_ids}
    if project_ids:
        rows = session.exec(
            select(MetricGoal).where(col(MetricGoal.project_id).in_(list(project_ids)))
        ).all()
        for row in rows:
            out[row.project_id][row.key] = row.goal
    return out


def project_goal(
    project: Project, key: str, settings: dict[str, dict[str, str]] | None = None
) -> ResolvedGoal:
    """The goal in force for ``key`` in ``project`` (``settings`` from ``goal_settings``)."""
    return resolve_goal(
        key,
        settings=(settings or {}).get(project.id),
        primary_metric=project.primary_metric,
        primary_metric_goal=project.primary_metric_goal,
    )


def stored_goal(session: Session, project: Project, key: str) -> ResolvedGoal:
    """``project_goal`` reading the one setting that can apply."""
    row = session.get(MetricGoal, (project.id, key))
    settings = {project.id: {key: row.goal}} if row is not None else None
    return project_goal(project, key, settings)


def _public(project_id: str, resolved: ResolvedGoal, updated_at: int | None) -> MetricGoalPublic:
    return MetricGoalPublic(
        project_id=project_id,
        key=resolved.key,
        goal=resolved.goal,
        source=resolved.source,
        updated_at=updated_at,
    )


class GoalsMixin(SqlBase):
    def set_metric_goal(self, project_id: str, key: str, goal: Goal | None) -> MetricGoalPublic:
        check_key(key, "key")
        if goal is not None:
            check_goal(goal)
        with self._write() as session:
            project = _existing_project(session, project_id)
            if goal is None:
                session.execute(
                    delete(MetricGoal).where(
                        col(MetricGoal.project_id) == project_id, col(MetricGoal.key) == key
                    )
                )
                return _public(project_id, project_goal(project, key), None)
            stamp = now_ms()
            self._upsert_goal(session, project_id, key, goal, stamp)
            return _public(project_id, ResolvedGoal(key, goal, "setting"), stamp)

    def list_metric_goals(self, project_id: str) -> list[MetricGoalPublic]:
        with self._read() as session:
            _existing_project(session, project_id)
            rows = session.exec(
                select(MetricGoal)
                .where(MetricGoal.project_id == project_id)
                .order_by(col(MetricGoal.key))
            ).all()
            return [
                _public(
                    project_id, ResolvedGoal(r.key, check_goal(r.goal), "setting"), r.updated_at
                )
                for r in rows
            ]

    def _upsert_goal(
        self, session: Session, project_id: str, key: str, goal: str, stamp: int
    ) -> None:
        # One statement, so two users setting the same key at once do not clash on the key.
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
        stmt = dialect_insert(MetricGoal.__table__).values(  # type: ignore[attr-defined]
            project_id=project_id, key=key, goal=goal, updated_at=stamp
        )
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["project_id", "key"],
                set_={"goal": stmt.excluded.goal, "updated_at": stmt.excluded.updated_at},
            )
        )


def _existing_project(session: Session, project_id: str) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"project {project_id!r} not found", field="project_id")
    return project
