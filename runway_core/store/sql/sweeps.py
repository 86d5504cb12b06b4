"""Sweeps in the SQL store: registering a sweep with its queued trials, reading its progress and
best trial, pausing, resuming and stopping it. Claiming and heart-beats are in ``trials.py``."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from runway_core.errors import Conflict, InvalidInput, NotFound
from runway_core.models import Experiment, MetricSummary, Run, Sweep, SweepTrial
from runway_core.models._common import new_id, now_ms
from runway_core.schemas import RunSource, RunStatus
from runway_core.schemas.sweep import (
    SweepControl,
    SweepCreate,
    SweepPublic,
    TrialPublic,
)
from runway_core.store.sql.acting import current_actor, member_projects
from runway_core.store.sql.base import SqlBase, row_dict
from runway_core.store.sql.runs import _param_row, load_run_publics
from runway_core.sweeps.spec import SweepSpec, parse_spec
from runway_core.sweeps.suggest import grid_points, random_points
from runway_core.validation import check_name, flatten_params

_CONTROLS = ("running", "paused", "stopped")


def spec_of(sweep: Sweep) -> SweepSpec:
    return SweepSpec.model_validate(sweep.spec)


def checked_spec(body: SweepCreate) -> SweepSpec:
    """The spec of a request, or ``InvalidInput`` naming ``spec.<key>``."""
    try:
        return parse_spec(body.spec)
    except InvalidInput as exc:
        exc.field = f"spec.{exc.field}" if exc.field and exc.field != "spec" else "spec"
        raise


def new_trial(
    session: Session, sweep: Sweep, number: int, params: dict[str, Any], status: RunStatus
) -> tuple[Run, SweepTrial]:
    """A trial's run (``source=sweep``) with its params, and its trial row; added, not flushed."""
    stamp = now_ms()
    run = Run(
        id=new_id(),
        experiment_id=sweep.experiment_id,
        project_id=sweep.project_id,
        name=f"{sweep.name}-{number}"[:250],
        status=status,
        source=RunSource.sweep,
        sweep_id=sweep.id,
        source_ids={"sweep_id": sweep.id, "trial": number},
        start_time=stamp if status == RunStatus.running else None,
    )
    trial = SweepTrial(run_id=run.id, sweep_id=sweep.id, number=number)
    session.add(run)
    session.flush()
    session.add_all([_param_row(run.id, k, v) for k, v in flatten_params(params).items()])
    session.add(trial)
    return run, trial


def trial_publics(
    session: Session, sweep: Sweep, rows: Sequence[tuple[SweepTrial, Run]]
) -> list[TrialPublic]:
    runs = load_run_publics(session, [r for _, r in rows])
    out = []
    for (trial, _), run in zip(rows, runs, strict=True):
        summary = run.metrics.get(sweep.metric)
        # The spec's parameter order (the store reads params back sorted by key).
        params = {k: run.params[k] for k in sweep.space if k in run.params}
        params.update({k: v for k, v in run.params.items() if k not in params})
        out.append(
            TrialPublic(
                **{**row_dict(trial), "previous_runs": trial.previous_runs or []},
                name=run.name,
                status=run.status,
                params=params,
                value=summary.last if summary is not None else None,
            )
        )
    return out


def trial_rows(
    session: Session, sweep_id: str, *, status: str | None = None
) -> list[tuple[SweepTrial, Run]]:
    query = (
        select(SweepTrial, Run)
        .join(Run, col(Run.id) == col(SweepTrial.run_id))
        .where(SweepTrial.sweep_id == sweep_id)
        .order_by(col(SweepTrial.number))
    )
    if status is not None:
        query = query.where(Run.status == status)
    return [(t, r) for t, r in session.exec(query).all()]


class SweepsMixin(SqlBase):
    def create_sweep(self, sweep: SweepCreate) -> SweepPublic:
        spec = checked_spec(sweep)
        name = sweep.name or spec.name
        if name is not None:
            check_name(name, "name")
        seed = spec.seed if spec.seed is not None else random.SystemRandom().randrange(2**32)
        if spec.method == "grid":
            points = grid_points(spec)
        elif spec.method == "random":
            points = random_points(spec, seed)
        else:
            points = []  # bayes: one at a time, as trials finish (see trials.py)
        with self._write() as session:
            exp = session.get(Experiment, sweep.experiment_id)
            if exp is None:
                raise NotFound(
                    f"experiment {sweep.experiment_id!r} not found", field="experiment_id"
                )
            sweep_id = new_id()
            row = Sweep(
                id=sweep_id,
                experiment_id=exp.id,
                project_id=exp.project_id,
                name=name or f"{spec.method}-{sweep_id[:6]}",
                method=spec.method,
                space={k: p.model_dump(exclude_unset=True) for k, p in spec.parameters.items()},
                metric=spec.metric.name,
                goal=spec.metric.goal,
                budget=spec.max_trials,
                spec={**spec.model_dump(mode="json", exclude_none=True), "seed": seed},
                seed=seed,
            )
            session.add(row)
            session.flush()
            for number, params in enumerate(points):
                new_trial(session, row, number, params, RunStatus.queued)
            session.flush()
            return self._sweep_public(session, row)

    def get_sweep(self, sweep_id: str) -> SweepPublic:
        with self._read() as session:
            return self._sweep_public(session, sweep_row(session, sweep_id))

    def list_sweeps(
        self, *, project_id: str | None = None, experiment_id: str | None = None
    ) -> list[SweepPublic]:
        with self._read() as session:
            query = select(Sweep).order_by(col(Sweep.created_at).desc(), col(Sweep.id))
            if project_id is not None:
                query = query.where(Sweep.project_id == project_id)
            if experiment_id is not None:
                query = query.where(Sweep.experiment_id == experiment_id)
            actor = current_actor()
            if actor is not None and not actor.admin:  # only the projects it may read
                query = query.where(col(Sweep.project_id).in_(member_projects(actor)))
            return [self._sweep_public(session, s) for s in session.exec(query).all()]

    def set_sweep_status(self, sweep_id: str, status: SweepControl) -> SweepPublic:
        """``paused``: no trial is claimed until ``running`` again; ``stopped``: for good, and
        the trials still queued end ``killed`` (running ones finish)."""
        if status not in _CONTROLS:
            raise InvalidInput(
                f"status must be one of {', '.join(_CONTROLS)}, not {status!r}", field="status"
            )
        with self._write() as session:
            sweep = sweep_row(session, sweep_id, lock=True)
            if sweep.status == "stopped" and status != "stopped":
                raise Conflict(f"sweep {sweep_id!r} is stopped for good", field="status")
            sweep.status = status
            sweep.updated_at = now_ms()
            session.add(sweep)
            if status == "stopped":
                stamp = now_ms()
                for trial, run in trial_rows(session, sweep_id, status=RunStatus.queued.value):
                    run.status, run.end_time, run.updated_at = RunStatus.killed, stamp, stamp
                    trial.stop_reason = "the sweep was stopped"
                    session.add_all([run, trial])
            session.flush()
            return self._sweep_public(session, sweep)

    def list_trials(self, sweep_id: str, *, status: str | None = None) -> list[TrialPublic]:
        if status is not None and status not in RunStatus.__members__:
            raise InvalidInput(
                f"status must be one of {', '.join(RunStatus.__members__)}, not {status!r}",
                field="status",
            )
        with self._read() as session:
            sweep = sweep_row(session, sweep_id)
            return trial_publics(session, sweep, trial_rows(session, sweep_id, status=status))

    def _sweep_public(self, session: Session, sweep: Sweep) -> SweepPublic:
        counts = {
            str(getattr(status, "value", status)): n
            for status, n in session.exec(
                select(Run.status, func.count())
                .join(SweepTrial, col(SweepTrial.run_id) == col(Run.id))
                .where(SweepTrial.sweep_id == sweep.id)
                .group_by(Run.status)
            ).all()
        }
        max_trials = sweep.budget or 0
        total = sum(counts.values())
        open_ = counts.get("queued", 0) + counts.get("running", 0)
        state = sweep.status
        if state == "running" and total >= max_trials and open_ == 0:
            state = "finished"
        return SweepPublic.model_validate(
            {
                **row_dict(sweep),
                "state": state,
                "max_trials": max_trials,
                "counts": counts,
                "best": self._best_trial(session, sweep),
            }
        )

    def _best_trial(self, session: Session, sweep: Sweep) -> TrialPublic | None:
        last = col(MetricSummary.last)
        query = (
            select(SweepTrial, Run)
            .join(Run, col(Run.id) == col(SweepTrial.run_id))
            .join(MetricSummary, col(MetricSummary.run_id) == col(Run.id))
            .where(
                SweepTrial.sweep_id == sweep.id,
                MetricSummary.key == sweep.metric,
                Run.status == RunStatus.finished,
                last.is_not(None),
            )
            .order_by(last.asc() if sweep.goal == "min" else last.desc(), col(SweepTrial.number))
            .limit(1)
        )
        found = session.exec(query).first()
        return trial_publics(session, sweep, [found])[0] if found is not None else None


def sweep_row(session: Session, sweep_id: str, *, lock: bool = False) -> Sweep:
    query = select(Sweep).where(Sweep.id == sweep_id)
    if lock:
        query = query.with_for_update()
    sweep = session.exec(query).first()
    if sweep is None:
        raise NotFound(f"sweep {sweep_id!r} not found", field="sweep_id")
    return sweep
