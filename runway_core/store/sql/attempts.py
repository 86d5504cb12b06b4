"""A sweep trial's attempts: when its worker goes silent, the attempt's run is given up (ended
``killed``, kept) and the trial is queued again on a fresh run, so the two attempts' points
never mix and the dead one stays visible. A trial is a sweep slot; its runs are its attempts.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from runway_core.models import Param, Run, Sweep, SweepTrial, Tag
from runway_core.schemas import RunSource, RunStatus
from runway_core.schemas.sweep import ATTEMPT_TAG, RETRIED_TAG


def give_up_attempt(
    session: Session, sweep: Sweep, trial: SweepTrial, run: Run, stamp: int
) -> None:
    """End ``run`` (the trial's attempt number ``trial.attempts``) ``killed`` at its last sign
    of life, and queue the trial on a new run with the same name and sweep params; a trial
    that was asked to stop is not retried. The caller holds the run's row lock."""
    attempt = max(trial.attempts, 1)
    run.status, run.updated_at = RunStatus.killed, stamp
    run.end_time = trial.heartbeat_at or stamp
    session.add_all([run, _tag(session, run.id, ATTEMPT_TAG, str(attempt))])
    trial.worker, trial.heartbeat_at = None, None
    if trial.stop_reason is not None:  # asked to stop: this is how it ends
        session.add(trial)
        return
    fresh = Run(
        experiment_id=run.experiment_id,
        project_id=run.project_id,
        name=run.name,
        status=RunStatus.queued,
        source=RunSource.sweep,
        sweep_id=sweep.id,
        source_ids={"sweep_id": sweep.id, "trial": trial.number, "attempt": attempt + 1},
        parent_run_id=run.parent_run_id,
        description=run.description,
    )
    session.add(fresh)
    session.flush()  # the new run exists before the trial points at it
    params = session.exec(select(Param).where(col(Param.run_id) == run.id)).all()
    session.add_all(
        [
            Param(run_id=fresh.id, key=p.key, value=p.value, num=p.num, text=p.text)
            for p in params
            if _sweep_param(p.key, sweep)
        ]
    )
    session.add_all(
        [
            _tag(session, run.id, RETRIED_TAG, fresh.id),
            _tag(session, fresh.id, ATTEMPT_TAG, str(attempt + 1)),
        ]
    )
    trial.run_id = fresh.id  # the trial's key: the row now names its current attempt
    trial.previous_runs = [*(trial.previous_runs or []), run.id]
    session.add(trial)
    session.flush()


def given_up_reason(retried_as: str) -> str:
    """Why a given-up attempt whose process still writes is asked to stop."""
    return (
        "this attempt was given up when its worker went silent; the trial runs again as run "
        + retried_as
    )


def _sweep_param(key: str, sweep: Sweep) -> bool:
    """A param the sweep set (a space key, or a dotted key under one); not the command's own."""
    return key in sweep.space or any(key.startswith(f"{name}.") for name in sweep.space)


def _tag(session: Session, run_id: str, key: str, value: str) -> Tag:
    tag = session.get(Tag, (run_id, key)) or Tag(run_id=run_id, key=key)
    tag.value = value
    return tag
