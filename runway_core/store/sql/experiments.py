"""Experiments in the SQL store, with the per-experiment aggregates of the project page."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from runway_core.errors import AlreadyExists, NotFound
from runway_core.models import Experiment, MetricSummary, Project, Run
from runway_core.models._common import now_ms
from runway_core.schemas import (
    ExperimentCreate,
    ExperimentPublic,
    ExperimentSummary,
    ExperimentUpdate,
)
from runway_core.store.sql.base import SqlBase, row_dict
from runway_core.store.sql.goals import stored_goal
from runway_core.validation import (
    check_key,
    check_name,
    check_not_null,
    check_text,
    clean_tags,
)


class ExperimentsMixin(SqlBase):
    def create_experiment(
        self, project_id: str, experiment: ExperimentCreate, *, exist_ok: bool = False
    ) -> ExperimentPublic:
        name = check_name(experiment.name, "name")
        check_text(experiment.description, "description")
        tags = clean_tags(experiment.tags)
        try:
            with self._write(f"experiment {name!r} already exists in this project") as session:
                if session.get(Project, project_id) is None:
                    raise NotFound(f"project {project_id!r} not found", field="project_id")
                row = Experiment.model_validate(
                    {
                        **experiment.model_dump(),
                        "name": name,
                        "tags": tags,
                        "project_id": project_id,
                    }
                )
                session.add(row)
                session.flush()
                return ExperimentPublic.model_validate(row)
        except AlreadyExists:
            if exist_ok:
                return self.get_experiment_by_name(project_id, name)
            raise

    @staticmethod
    def _experiment(session: Session, experiment_id: str) -> Experiment:
        row = session.get(Experiment, experiment_id)
        if row is None:
            raise NotFound(f"experiment {experiment_id!r} not found", field="experiment_id")
        return row

    def get_experiment(self, experiment_id: str) -> ExperimentPublic:
        with self._read() as session:
            return ExperimentPublic.model_validate(self._experiment(session, experiment_id))

    def get_experiment_by_name(self, project_id: str, name: str) -> ExperimentPublic:
        with self._read() as session:
            row = session.exec(
                select(Experiment).where(
                    Experiment.project_id == project_id, Experiment.name == name
                )
            ).first()
            if row is None:
                if session.get(Project, project_id) is None:
                    raise NotFound(f"project {project_id!r} not found", field="project_id")
                raise NotFound(f"experiment named {name!r} not found", field="name")
            return ExperimentPublic.model_validate(row)

    def list_experiments(
        self, project_id: str, *, metric: str | None = None, include_deleted: bool = False
    ) -> list[ExperimentSummary]:
        with self._read() as session:
            project = session.get(Project, project_id)
            if project is None:
                raise NotFound(f"project {project_id!r} not found", field="project_id")
            listed = select(Experiment).where(Experiment.project_id == project_id)
            if not include_deleted:
                listed = listed.where(col(Experiment.deleted_at).is_(None))
            experiments = session.exec(
                listed.order_by(col(Experiment.created_at), col(Experiment.id))
            ).all()
            live = col(Run.deleted_at).is_(None)
            counts = {
                eid: (n, last)
                for eid, n, last in session.exec(
                    select(Run.experiment_id, func.count(), func.max(Run.updated_at))
                    .where(Run.project_id == project_id, live)
                    .group_by(Run.experiment_id)
                ).all()
            }
            aggs: dict[str, tuple[float | None, float | None, float | None]] = {}
            if metric:
                check_key(metric, "metric")
                best = func.min if stored_goal(session, project, metric).goal == "min" else func.max
                rows = session.exec(
                    select(
                        Run.experiment_id,
                        best(MetricSummary.last),
                        func.avg(MetricSummary.last),
                    )
                    .join(Run, col(Run.id) == col(MetricSummary.run_id))
                    .where(Run.project_id == project_id, MetricSummary.key == metric, live)
                    .group_by(Run.experiment_id)
                ).all()
                latest = self._latest_values(session, project_id, metric)
                for eid, b, mean in rows:
                    aggs[eid] = (b, mean, latest.get(eid))
            out = []
            for e in experiments:
                n, last = counts.get(e.id, (0, None))
                b, mean, lv = aggs.get(e.id, (None, None, None))
                out.append(
                    ExperimentSummary.model_validate(
                        {
                            **row_dict(e),
                            "run_count": n,
                            "last_activity": last,
                            "metric_best": b,
                            "metric_mean": mean,
                            "metric_last": lv,
                        }
                    )
                )
            return out

    @staticmethod
    def _latest_values(session: Session, project_id: str, metric: str) -> dict[str, float | None]:
        """Per experiment, the metric of its most recently started run that has it."""
        rows = session.exec(
            select(Run.experiment_id, MetricSummary.last)
            .join(Run, col(Run.id) == col(MetricSummary.run_id))
            .where(
                Run.project_id == project_id,
                MetricSummary.key == metric,
                col(Run.deleted_at).is_(None),
            )
            .order_by(col(Run.start_time), col(Run.created_at))
        ).all()
        return dict(rows)

    def update_experiment(self, experiment_id: str, update: ExperimentUpdate) -> ExperimentPublic:
        data = update.model_dump(exclude_unset=True)
        check_not_null(data, ("name", "description", "tags", "deleted"))
        if "name" in data:
            data["name"] = check_name(data["name"], "name")
        check_text(data.get("description"), "description")
        tags = data.pop("tags", None) or {}
        removed = {k for k, v in tags.items() if v is None}
        added = clean_tags({k: v for k, v in tags.items() if v is not None})
        deleted = data.pop("deleted", None)
        with self._write(f"experiment {data.get('name')!r} already exists") as session:
            row = self._experiment(session, experiment_id)
            for key, value in data.items():
                setattr(row, key, value)
            if tags:
                kept = {k: v for k, v in row.tags.items() if k not in removed}
                row.tags = {**kept, **added}  # a new dict, so the JSON column is written
            if deleted is not None and deleted != (row.deleted_at is not None):
                row.deleted_at = now_ms() if deleted else None
            row.updated_at = now_ms()
            session.add(row)
            session.flush()
            return ExperimentPublic.model_validate(row)

    def delete_experiment(self, experiment_id: str) -> None:
        with self._write() as session:
            session.delete(self._experiment(session, experiment_id))
