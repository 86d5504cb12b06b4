"""Projects in the SQL store."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from runway_core.errors import AlreadyExists, InvalidInput, NotFound
from runway_core.metrics.goals import Goal, goal_by_name
from runway_core.models import Experiment, MetricSummary, Project, Run
from runway_core.models._common import now_ms
from runway_core.schemas import ProjectCreate, ProjectPublic, ProjectSummary, ProjectUpdate
from runway_core.schemas.project import checked_project
from runway_core.store.sql.acting import current_actor, grant_creator, member_projects
from runway_core.store.sql.base import SqlBase, row_dict
from runway_core.store.sql.goals import goal_settings, project_goal
from runway_core.validation import check_key, check_name, check_not_null, check_text


def _check_goal(goal: str | None) -> None:
    if goal is not None and goal not in ("max", "min"):
        raise InvalidInput(
            "primary_metric_goal must be 'max' or 'min'", field="primary_metric_goal"
        )


def _default_goal(primary_metric: str | None) -> Goal:
    """A new project's primary-metric goal when none is given ("max" with no metric yet)."""
    return goal_by_name(primary_metric) if primary_metric else "max"


class ProjectsMixin(SqlBase):
    def create_project(self, project: ProjectCreate, *, exist_ok: bool = False) -> ProjectPublic:
        project = checked_project(project)
        name = project.name
        try:
            with self._write(f"project {name!r} already exists") as session:
                goal = project.primary_metric_goal or _default_goal(project.primary_metric)
                row = Project.model_validate(
                    {**project.model_dump(), "name": name, "primary_metric_goal": goal}
                )
                session.add(row)
                session.flush()
                grant_creator(session, row.id)  # in the same transaction as the project
                return ProjectPublic.model_validate(row)
        except AlreadyExists:
            if exist_ok:
                return self.get_project_by_name(name)
            raise

    def _project(self, session: Session, project_id: str) -> Project:
        row = session.get(Project, project_id)
        if row is None:
            raise NotFound(f"project {project_id!r} not found", field="project_id")
        return row

    def get_project(self, project_id: str) -> ProjectPublic:
        with self._read() as session:
            return ProjectPublic.model_validate(self._project(session, project_id))

    def get_project_by_name(self, name: str) -> ProjectPublic:
        check_text(name, "name")
        with self._read() as session:
            row = session.exec(select(Project).where(Project.name == name)).first()
            if row is None:
                raise NotFound(f"project named {name!r} not found", field="name")
            return ProjectPublic.model_validate(row)

    def list_projects(self, *, search: str | None = None) -> list[ProjectSummary]:
        with self._read() as session:
            query = select(Project).order_by(col(Project.created_at))
            if search:
                check_text(search, "search")
                # autoescape: '%' and '_' in the search are literal characters, not wildcards.
                query = query.where(
                    func.lower(Project.name).contains(search.lower(), autoescape=True)
                )
            actor = current_actor()
            if actor is not None and not actor.admin:  # only the projects it may read
                query = query.where(col(Project.id).in_(member_projects(actor)))
            projects = session.exec(query).all()
            if not projects:
                return []
            ids = [p.id for p in projects]
            exp_counts = dict(
                session.exec(  # type: ignore[arg-type]
                    select(Experiment.project_id, func.count())
                    .where(col(Experiment.project_id).in_(ids))
                    .group_by(Experiment.project_id)
                ).all()
            )
            run_stats = {
                pid: (count, last)
                for pid, count, last in session.exec(
                    select(Run.project_id, func.count(), func.max(Run.updated_at))
                    .where(col(Run.project_id).in_(ids), col(Run.deleted_at).is_(None))
                    .group_by(Run.project_id)
                ).all()
            }
            settings = goal_settings(session, ids)
            out = []
            for p in projects:
                count, last = run_stats.get(p.id, (0, None))
                best, goal = self._best_value(session, p, settings)
                out.append(
                    ProjectSummary.model_validate(
                        {
                            **row_dict(p),
                            "experiment_count": exp_counts.get(p.id, 0),
                            "run_count": count,
                            "last_activity": last or p.updated_at,
                            "best_value": best,
                            "best_goal": goal,
                        }
                    )
                )
            return out

    @staticmethod
    def _best_value(
        session: Session, project: Project, settings: dict[str, dict[str, str]]
    ) -> tuple[float | None, Goal | None]:
        if not project.primary_metric:
            return None, None
        goal = project_goal(project, project.primary_metric, settings).goal
        agg = func.min if goal == "min" else func.max
        best = session.exec(
            select(agg(MetricSummary.last))
            .join(Run, col(Run.id) == col(MetricSummary.run_id))
            .where(
                Run.project_id == project.id,
                MetricSummary.key == project.primary_metric,
                col(Run.deleted_at).is_(None),
            )
        ).one()
        return best, goal

    def update_project(self, project_id: str, update: ProjectUpdate) -> ProjectPublic:
        data = update.model_dump(exclude_unset=True)
        check_not_null(data, ("name", "description", "primary_metric_goal"))
        if "name" in data:
            data["name"] = check_name(data["name"], "name")
        check_text(data.get("description"), "description")
        _check_goal(data.get("primary_metric_goal"))
        if data.get("primary_metric"):
            check_key(data["primary_metric"], "primary_metric")
        with self._write(f"project {data.get('name')!r} already exists") as session:
            row = self._project(session, project_id)
            new_metric = data.get("primary_metric")
            if (
                new_metric
                and new_metric != row.primary_metric
                and "primary_metric_goal" not in data
            ):
                # The stored goal was about the previous metric; the new one's comes by name.
                data["primary_metric_goal"] = goal_by_name(new_metric)
            for key, value in data.items():
                setattr(row, key, value)
            row.updated_at = now_ms()
            session.add(row)
            session.flush()
            return ProjectPublic.model_validate(row)

    def delete_project(self, project_id: str) -> None:
        with self._write() as session:
            session.delete(self._project(session, project_id))
