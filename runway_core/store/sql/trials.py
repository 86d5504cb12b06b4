"""Sweep trials in the SQL store: atomic claiming, heart-beats, re-queueing the trials of
workers that went silent, early stopping, and the stop signal carried back on metric writes.

Claiming is atomic: on PostgreSQL the next queued trial is taken with ``FOR UPDATE SKIP LOCKED``
(concurrent claimers skip each other's rows instead of waiting); SQLite serialises writers
(``BEGIN IMMEDIATE``, see engine.py), so a claim sees every earlier one. A budget or a
``max_parallel`` that must be counted, and ``bayes`` suggestions, lock the sweep row first.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from runway_core.errors import Conflict, InvalidInput, NotFound
from runway_core.models import MetricChunk, Run, Sweep, SweepTrial, Tag
from runway_core.models._common import now_ms
from runway_core.schemas import RunStatus
from runway_core.schemas.sweep import MAX_TIMEOUT, RETRIED_TAG, TrialPublic
from runway_core.store.sql.attempts import give_up_attempt, given_up_reason
from runway_core.store.sql.base import SqlBase
from runway_core.store.sql.metrics import _series_from_chunks
from runway_core.store.sql.sweeps import (
    new_trial,
    spec_of,
    sweep_row,
    trial_publics,
    trial_rows,
)
from runway_core.sweeps.early_stop import STOP_TAG, median_stop_reason
from runway_core.sweeps.suggest import Observation, bayes_point
from runway_core.validation import check_name, check_text

# How often a trial's metric writes count as a heart-beat and run the early-stopping rule.
SIGNS_OF_LIFE_MS = 5_000


class TrialsMixin(SqlBase):
    def claim_next_trial(self, sweep_id: str, worker: str) -> TrialPublic | None:
        """The next queued trial, now ``running`` and the worker's; ``None`` when there is
        none to run now (the sweep is paused, stopped, done, or at ``max_parallel``)."""
        check_name(worker, "worker")
        with self._write() as session:
            sweep = sweep_row(session, sweep_id)
            if sweep.status != "running":
                return None
            spec = spec_of(sweep)
            if spec.budget.max_parallel is not None or spec.method == "bayes":
                sweep = sweep_row(session, sweep_id, lock=True)
            if spec.budget.max_parallel is not None:
                running = _count(session, sweep_id, RunStatus.running)
                if running >= spec.budget.max_parallel:
                    return None
            found = session.exec(
                select(SweepTrial, Run)
                .join(Run, col(Run.id) == col(SweepTrial.run_id))
                .where(SweepTrial.sweep_id == sweep_id, Run.status == RunStatus.queued)
                .order_by(col(SweepTrial.number))
                .limit(1)
                .with_for_update(skip_locked=True, of=Run)  # type: ignore[arg-type]
            ).first()
            if found is not None:
                trial, run = found
            elif spec.method == "bayes":
                made = self._suggest(session, sweep)
                if made is None:
                    return None
                run, trial = made
            else:
                return None
            stamp = now_ms()
            run.status = RunStatus.running
            run.start_time = run.start_time or stamp
            run.end_time = None
            run.updated_at = stamp
            trial.worker, trial.claimed_at, trial.heartbeat_at = worker, stamp, stamp
            trial.attempts += 1
            session.add_all([run, trial])
            session.flush()
            return trial_publics(session, sweep, [(trial, run)])[0]

    def _suggest(self, session: Session, sweep: Sweep) -> tuple[Run, SweepTrial] | None:
        """A new ``bayes`` trial from the finished ones, while the budget lasts."""
        total = session.exec(
            select(func.count()).select_from(SweepTrial).where(SweepTrial.sweep_id == sweep.id)
        ).one()
        spec = spec_of(sweep)
        if total >= spec.max_trials:
            return None
        history = [
            Observation(params=t.params, value=t.value)
            for t in _finished(session, sweep)
            if t.value is not None
        ]
        params = bayes_point(spec, history, number=total, seed=sweep.seed)
        return new_trial(session, sweep, total, params, RunStatus.queued)

    def heartbeat_trial(self, run_id: str, worker: str) -> TrialPublic:
        """The worker still runs the trial; the answer says whether it should stop
        (``stop_reason``), checking the sweep's early-stopping rule first."""
        with self._write() as session:
            trial, run, sweep = _trial(session, run_id)
            if trial.worker != worker:
                raise Conflict(
                    f"trial {run_id!r} is not {worker!r}'s (it was re-queued and claimed by "
                    f"{trial.worker!r})",
                    field="worker",
                )
            trial.heartbeat_at = now_ms()
            session.add(trial)
            if trial.stop_reason is None and run.status == RunStatus.running:
                reason = self._early_stop_reason(session, sweep, run_id)
                if reason is not None:
                    _flag_stop(session, trial, reason)
            session.flush()
            return trial_publics(session, sweep, [(trial, run)])[0]

    def _early_stop_reason(self, session: Session, sweep: Sweep, run_id: str) -> str | None:
        rule = spec_of(sweep).early_stop
        if rule is None:
            return None
        key = rule.metric or sweep.metric
        finished = [_curve(session, t.run_id, key) for t in _finished(session, sweep)]
        finished = [c for c in finished if c]
        return median_stop_reason(rule, key, sweep.goal, _curve(session, run_id, key), finished)

    def requeue_stale_trials(self, sweep_id: str, *, timeout: float) -> list[str]:
        """Give up the attempts whose worker has not heart-beaten for ``timeout`` seconds: each
        one's run ends ``killed`` (kept, tagged ``sweep.attempt``) and its trial goes back to the
        queue on a new run, so a retry never mixes its points with the dead attempt's; a trial
        that was asked to stop ends there instead. Only runs still ``running`` are taken, under
        their row lock: a trial whose process recorded its own end is never run again. Trials
        handed to a launcher are its orchestrator's to retry. Returns the given-up run ids."""
        if not 0 < timeout <= MAX_TIMEOUT:  # also NaN
            raise InvalidInput(
                f"timeout must be between 0 and {MAX_TIMEOUT:g} seconds, not {timeout!r}",
                field="timeout",
            )
        cutoff = now_ms() - int(timeout * 1000)
        with self._write() as session:
            sweep = sweep_row(session, sweep_id)
            rows = session.exec(
                select(SweepTrial, Run)
                .join(Run, col(Run.id) == col(SweepTrial.run_id))
                .where(
                    SweepTrial.sweep_id == sweep_id,
                    Run.status == RunStatus.running,
                    col(SweepTrial.heartbeat_at) < cutoff,
                    col(SweepTrial.launched).is_(None),
                )
                .order_by(col(SweepTrial.number))
                .with_for_update(skip_locked=True, of=Run)  # type: ignore[arg-type]
            ).all()
            stamp = now_ms()
            for trial, run in rows:
                give_up_attempt(session, sweep, trial, run, stamp)
            return [run.id for _, run in rows]

    def stop_trial(self, run_id: str, reason: str) -> TrialPublic:
        """Ask a trial to stop: it learns through its next metric write (``run.should_stop``)
        and its worker ends it ``killed``; a queued trial ends ``killed`` at once."""
        check_text(reason, "reason")
        with self._write() as session:
            trial, run, sweep = _trial(session, run_id)
            if run.status == RunStatus.queued:
                stamp = now_ms()
                run.status, run.end_time, run.updated_at = RunStatus.killed, stamp, stamp
                session.add(run)
            if trial.stop_reason is None:
                _flag_stop(session, trial, reason)
            session.flush()
            return trial_publics(session, sweep, [(trial, run)])[0]

    def mark_trial_launched(self, run_id: str, launched: str) -> TrialPublic:
        """Record where a launcher started the trial (its flow run or DAG run URL or id)."""
        check_text(launched, "launched")
        with self._write() as session:
            trial, run, sweep = _trial(session, run_id)
            trial.launched = launched
            session.add(trial)
            session.flush()
            return trial_publics(session, sweep, [(trial, run)])[0]

    def _trial_signals(self, run_ids: Sequence[str]) -> dict[str, str]:
        """For metric writes just applied: the stop reasons of the trials asked to stop. Every
        ``SIGNS_OF_LIFE_MS`` a trial's writes also count as its heart-beat and apply the early
        stopping rule, so trials that no agent watches (a launcher's) are covered too. A given-up
        attempt whose process still writes is asked to stop. Runs that are not trials cost two
        indexed reads."""
        ids = list(dict.fromkeys(run_ids))
        if not ids:
            return {}
        stamp = now_ms()
        with self._read() as session:
            rows = session.exec(
                select(SweepTrial.run_id, SweepTrial.stop_reason, SweepTrial.heartbeat_at).where(
                    col(SweepTrial.run_id).in_(ids)
                )
            ).all()
            trials = {run_id for run_id, _, _ in rows}
            others = [run_id for run_id in ids if run_id not in trials]
            given_up = (
                session.exec(
                    select(Tag.run_id, Tag.value).where(
                        col(Tag.run_id).in_(others), Tag.key == RETRIED_TAG
                    )
                ).all()
                if others
                else []
            )
        stops = {run_id: reason for run_id, reason, _ in rows if reason is not None}
        stops.update({run_id: given_up_reason(retry) for run_id, retry in given_up})
        due = [
            run_id
            for run_id, reason, beat in rows
            if reason is None and (beat is None or stamp - beat >= SIGNS_OF_LIFE_MS)
        ]
        if due:
            with self._write() as session:
                for run_id in due:
                    reason = self._sign_of_life(session, run_id, stamp)
                    if reason is not None:
                        stops[run_id] = reason
        return stops

    def _sign_of_life(self, session: Session, run_id: str, stamp: int) -> str | None:
        trial, run, sweep = _trial(session, run_id)
        if run.status != RunStatus.running:
            return None
        if trial.worker is not None or trial.launched is not None:
            trial.heartbeat_at = stamp
            session.add(trial)
        reason = self._early_stop_reason(session, sweep, run_id)
        if reason is not None:
            _flag_stop(session, trial, reason)
        return reason


def _trial(session: Session, run_id: str) -> tuple[SweepTrial, Run, Sweep]:
    trial = session.get(SweepTrial, run_id)
    run = session.get(Run, run_id)
    retried = session.get(Tag, (run_id, RETRIED_TAG)) if trial is None else None
    if retried is not None:
        raise Conflict(
            f"run {run_id!r} is a given-up attempt of a sweep trial (its worker went silent); "
            "the trial runs again on a new run",
            field="run_id",
        )
    if trial is None or run is None:
        raise NotFound(f"run {run_id!r} is not a sweep trial", field="run_id")
    sweep = session.get(Sweep, trial.sweep_id)
    assert sweep is not None  # a foreign key
    return trial, run, sweep


def _flag_stop(session: Session, trial: SweepTrial, reason: str) -> None:
    trial.stop_reason = reason
    tag = session.get(Tag, (trial.run_id, STOP_TAG)) or Tag(run_id=trial.run_id, key=STOP_TAG)
    tag.value = reason
    session.add_all([trial, tag])


def _count(session: Session, sweep_id: str, status: RunStatus) -> int:
    return session.exec(
        select(func.count())
        .select_from(SweepTrial)
        .join(Run, col(Run.id) == col(SweepTrial.run_id))
        .where(SweepTrial.sweep_id == sweep_id, Run.status == status)
    ).one()


def _finished(session: Session, sweep: Sweep) -> list[TrialPublic]:
    return trial_publics(
        session, sweep, trial_rows(session, sweep.id, status=RunStatus.finished.value)
    )


def _curve(session: Session, run_id: str, key: str) -> list[tuple[int, float]]:
    chunks = session.exec(
        select(MetricChunk.steps, MetricChunk.timestamps, MetricChunk.values)
        .where(MetricChunk.run_id == run_id, MetricChunk.key == key)
        .order_by(col(MetricChunk.step_min), col(MetricChunk.id))
    ).all()
    if not chunks:
        return []
    series = _series_from_chunks(run_id, key, chunks, None)
    return [(s, v) for s, v in zip(series.steps, series.values, strict=True) if v is not None]
