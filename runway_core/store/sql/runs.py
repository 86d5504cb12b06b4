"""Runs, params and tags in the SQL store."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, delete, select

from runway_core.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from runway_core.models import Experiment, MetricChunk, MetricSummary, Param, Run, Sweep, Tag
from runway_core.models._common import new_id, now_ms
from runway_core.schemas import MetricSummaryPublic, RunCreate, RunPublic, RunStatus, RunUpdate
from runway_core.store.sql.acting import may_read
from runway_core.store.sql.base import row_dict
from runway_core.store.sql.compaction import MIN_CHUNKS, compact_series, series_keys
from runway_core.store.sql.heartbeats import HeartbeatsMixin
from runway_core.store.sql.slices import in_slices
from runway_core.validation import (
    check_epoch_ms,
    check_json_document,
    check_name,
    check_not_null,
    check_text,
    clean_tags,
    flatten_params,
)

_ID_CHARS = set("0123456789abcdefABCDEF-_")


def _param_row(run_id: str, key: str, value: Any) -> Param:
    num: float | None = None
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        num = float(value)
        text = json.dumps(value)
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value)
    return Param(run_id=run_id, key=key, value=json.dumps(value), num=num, text=text)


def _same_value(a: Any, b: Any) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


_SUMMARY_COLUMNS: list[Any] = [
    MetricSummary.run_id,
    MetricSummary.key,
    MetricSummary.last,
    MetricSummary.last_step,
    MetricSummary.last_timestamp,
    MetricSummary.min,
    MetricSummary.max,
    MetricSummary.count,
]
# SQLite allows 32,766 bound values per statement; pages of runs are read in slices below it.
_IN_SLICE = 10_000


def load_run_publics(
    session: Session, runs: Sequence[Run], *, include_data: bool = True
) -> list[RunPublic]:
    """Runs → RunPublic, loading params, tags and metric summaries in one query each per slice.

    Plain column rows rather than ORM objects: a page of 100 runs has ~1,000 child rows.
    """
    if not runs:
        return []
    params: dict[str, dict[str, Any]] = defaultdict(dict)
    tags: dict[str, dict[str, str]] = defaultdict(dict)
    metrics: dict[str, dict[str, MetricSummaryPublic]] = defaultdict(dict)
    m = MetricSummary
    all_ids = [r.id for r in runs] if include_data else []
    for i in range(0, len(all_ids), _IN_SLICE):
        ids = all_ids[i : i + _IN_SLICE]
        for run_id, key, value in session.execute(
            select(Param.run_id, Param.key, Param.value).where(col(Param.run_id).in_(ids))
        ):
            params[run_id][key] = json.loads(value)
        for run_id, key, value in session.execute(
            select(Tag.run_id, Tag.key, Tag.value).where(col(Tag.run_id).in_(ids))
        ):
            tags[run_id][key] = value
        for run_id, key, last, last_step, last_ts, vmin, vmax, count in session.execute(
            sa_select(*_SUMMARY_COLUMNS).where(col(m.run_id).in_(ids))
        ):
            metrics[run_id][key] = MetricSummaryPublic.model_construct(
                last=last,
                last_step=last_step,
                last_timestamp=last_ts,
                min=vmin,
                max=vmax,
                count=count,
            )
    return [
        RunPublic.model_validate(
            {**row_dict(r), "params": params[r.id], "tags": tags[r.id], "metrics": metrics[r.id]}
        )
        for r in runs
    ]


def _check_run_fields(data: Mapping[str, Any]) -> None:
    """Times the database can hold, no NUL in text, and source_ids that JSON can carry."""
    for name, value in data.items():
        if name.endswith("_time"):
            check_epoch_ms(value, name)
        elif name == "source_ids":
            check_json_document(value, name)
        else:
            check_text(value, name)


def check_parents(session: Session, rows: Sequence[Run], batch_ids: set[str]) -> None:
    """A run's references: its parent run must exist (or be registered in the same request,
    bulk registration) and, for a server's caller, be in a project the caller may read; its
    sweep must be a sweep of the run's own project. A reference that fails either way gets the
    same answer, so it does not tell whether another user's run or sweep exists."""
    wanted = {r.parent_run_id for r in rows if r.parent_run_id} - batch_ids
    if wanted:
        found = {
            run_id
            for run_id, project_id in session.exec(
                select(Run.id, Run.project_id).where(col(Run.id).in_(wanted))
            ).all()
            if may_read(session, project_id)
        }
        for i, row in enumerate(rows):
            if row.parent_run_id in wanted - found:
                raise NotFound(
                    f"{_where(rows, i)}parent run {row.parent_run_id!r} not found",
                    field=_field(rows, i, "parent_run_id"),
                )
    sweeps = {r.sweep_id for r in rows if r.sweep_id}
    if sweeps:
        project_of = dict(
            session.exec(select(Sweep.id, Sweep.project_id).where(col(Sweep.id).in_(sweeps))).all()
        )
        for i, row in enumerate(rows):
            if row.sweep_id and project_of.get(row.sweep_id) != row.project_id:
                raise NotFound(
                    f"{_where(rows, i)}sweep {row.sweep_id!r} not found in the run's project",
                    field=_field(rows, i, "sweep_id"),
                )


def _where(rows: Sequence[Run], i: int) -> str:
    return f"runs[{i}]: " if len(rows) > 1 else ""


def _field(rows: Sequence[Run], i: int, name: str) -> str:
    return f"runs.{i}.{name}" if len(rows) > 1 else name


def _check_new_ids(session: Session, runs: Sequence[RunCreate]) -> None:
    """Name the run whose client-chosen id is repeated in the request or already stored (the
    primary key would refuse it too, but without saying which)."""
    seen: dict[str, int] = {}
    for i, run in enumerate(runs):
        if run.id is None:
            continue
        if run.id in seen:
            raise AlreadyExists(
                f"runs[{i}]: id {run.id!r} is also the id of runs[{seen[run.id]}]",
                field=f"runs.{i}.id" if len(runs) > 1 else "id",
            )
        seen[run.id] = i
    if not seen:
        return
    taken = set(session.exec(select(Run.id).where(col(Run.id).in_(list(seen)))).all())
    for run_id, i in seen.items():
        if run_id in taken:
            prefix = f"runs[{i}]: " if len(runs) > 1 else ""
            raise AlreadyExists(
                f"{prefix}a run with id {run_id!r} already exists",
                field=f"runs.{i}.id" if len(runs) > 1 else "id",
            )


def compaction_due(session: Session, run_id: str) -> bool:
    """Whether a series of the run has enough chunks to be worth merging (one cheap query, so
    that the many short runs of a sweep skip the compaction transaction)."""
    query = (
        sa_select(col(MetricChunk.key))
        .where(col(MetricChunk.run_id) == run_id)
        .group_by(col(MetricChunk.key))
        .having(func.count() >= MIN_CHUNKS)
        .limit(1)
    )
    return session.execute(query).first() is not None


def check_new_run(run: RunCreate) -> None:
    """The checks of a new run that need no database (``ensure_run`` makes them before it
    looks the run up, so a bad request is refused even for a run that exists)."""
    _check_run_fields(run.model_dump(exclude={"params", "tags"}))
    if run.id is not None and (not run.id or not set(run.id) <= _ID_CHARS):
        raise InvalidInput("id must be 1-32 hex characters", field="id")
    if run.name is not None:
        check_name(run.name, "name")
    flatten_params(run.params)
    clean_tags(run.tags)


class RunsMixin(HeartbeatsMixin):
    def _new_run(
        self, session: Session, run: RunCreate, experiments: dict[str, Experiment]
    ) -> tuple[Run, list[Param], list[Tag]]:
        _check_run_fields(run.model_dump(exclude={"params", "tags"}))
        exp = experiments.get(run.experiment_id) or session.get(Experiment, run.experiment_id)
        if exp is None:
            raise NotFound(f"experiment {run.experiment_id!r} not found", field="experiment_id")
        experiments[exp.id] = exp
        if run.id is not None and (not run.id or not set(run.id) <= _ID_CHARS):
            raise InvalidInput("id must be 1-32 hex characters", field="id")
        data = run.model_dump(exclude={"params", "tags", "id"})
        if data.get("name") is not None:
            data["name"] = check_name(data["name"], "name")
        if data["start_time"] is None and run.status != RunStatus.queued:
            data["start_time"] = now_ms()
        row = Run(**data, id=run.id or new_id(), project_id=exp.project_id)
        params = [_param_row(row.id, k, v) for k, v in flatten_params(run.params).items()]
        tags = [Tag(run_id=row.id, key=k, value=v) for k, v in clean_tags(run.tags).items()]
        return row, params, tags

    def create_run(self, run: RunCreate) -> RunPublic:
        return self.create_runs([run])[0]

    def create_runs(self, runs: Sequence[RunCreate]) -> list[RunPublic]:
        experiments: dict[str, Experiment] = {}
        batch_ids = {r.id for r in runs if r.id}
        with self._write("a run with this id already exists") as session:
            rows: list[Run] = []
            children: list[Param | Tag] = []
            for i, run in enumerate(runs):
                try:
                    row, params, tags = self._new_run(session, run, experiments)
                    rows.append(row)
                    children += params
                    children += tags
                except (InvalidInput, NotFound) as exc:
                    if len(runs) > 1:
                        exc.message = f"runs[{i}]: {exc.message}"
                        exc.field = f"runs.{i}.{exc.field}" if exc.field else f"runs.{i}"
                        exc.args = (exc.message,)
                    raise
            check_parents(session, rows, batch_ids)
            _check_new_ids(session, runs)
            # Without ORM relationships the unit of work does not order parents first.
            session.add_all(rows)
            session.flush()
            session.add_all(children)
            session.flush()
            return load_run_publics(session, rows)

    def get_run(self, run_id: str) -> RunPublic:
        self._sweep_crashed_before_read()
        with self._read() as session:
            run = self._live_run(session, run_id, allow_deleted=True)
            return load_run_publics(session, [run])[0]

    def update_run(self, run_id: str, update: RunUpdate) -> RunPublic:
        with self._write() as session:
            run, compact = self._update_run_row(session, run_id, update)
            public = load_run_publics(session, [run])[0]
        if compact:
            self._compact_metrics(run_id)
        return public

    def _update_run_row(self, session: Session, run_id: str, update: RunUpdate) -> tuple[Run, bool]:
        """Apply ``update``; also says whether the run just ended with chunks worth merging."""
        data = update.model_dump(exclude_unset=True)
        check_not_null(data, ("status", "description"))
        _check_run_fields(data)
        if data.get("name") is not None:
            data["name"] = check_name(data["name"], "name")
        run = self._live_run(session, run_id)
        for key, value in data.items():
            setattr(run, key, value)
        status = RunStatus(run.status)
        if status.is_terminal and run.end_time is None:
            run.end_time = now_ms()
        if status == RunStatus.running:
            run.end_time = data.get("end_time")
            if run.start_time is None:
                run.start_time = now_ms()
        run.updated_at = now_ms()
        session.add(run)
        session.flush()
        return run, status.is_terminal and compaction_due(session, run_id)

    def _compact_metrics(self, run_id: str) -> int:
        """Merge the run's small metric chunks (done when it ends); returns chunks rewritten."""
        with self._write() as session:
            # Row lock on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises writers), so
            # two concurrent compactions cannot both rewrite the same chunks.
            session.exec(select(Run).where(Run.id == run_id).with_for_update()).first()
            return sum(compact_series(session, run_id, key) for key in series_keys(session, run_id))

    def delete_run(self, run_id: str) -> None:
        with self._write() as session:
            run = self._live_run(session, run_id)
            run.deleted_at = now_ms()
            session.add(run)

    def restore_run(self, run_id: str) -> RunPublic:
        with self._write() as session:
            run = self._live_run(session, run_id, allow_deleted=True)
            run.deleted_at = None
            run.updated_at = now_ms()
            session.add(run)
            session.flush()
            return load_run_publics(session, [run])[0]

    def log_params(
        self, run_id: str, params: Mapping[str, Any], *, overwrite: bool = False
    ) -> None:
        flat = flatten_params(params)
        # A concurrent writer may insert the same new key between our read and insert; the
        # retry re-reads and then compares values like any other repeat.
        for attempt in range(3):
            try:
                self._log_params_once(run_id, flat, overwrite)
                return
            except AlreadyExists:
                if attempt == 2:
                    raise

    def _log_params_once(self, run_id: str, flat: dict[str, Any], overwrite: bool) -> None:
        with self._write("param written concurrently") as session:
            run = self._live_run(session, run_id)
            existing = {
                p.key: p
                for part in in_slices(list(flat))
                for p in session.exec(
                    select(Param).where(Param.run_id == run_id, col(Param.key).in_(part))
                ).all()
            }
            for key, value in flat.items():
                old = existing.get(key)
                if old is None:
                    session.add(_param_row(run_id, key, value))
                elif not _same_value(stored := json.loads(old.value), value):
                    if not overwrite:
                        raise Conflict(
                            f"param {key!r} is already {stored!r}; refusing to change it to "
                            f"{value!r} (pass overwrite=true to replace it)",
                            field=f"params.{key}",
                        )
                    fresh = _param_row(run_id, key, value)
                    old.value, old.num, old.text = fresh.value, fresh.num, fresh.text
                    session.add(old)
            run.updated_at = now_ms()
            session.add(run)

    def set_tags(self, run_id: str, tags: Mapping[str, str]) -> None:
        clean = clean_tags(tags)
        for attempt in range(3):
            try:
                with self._write("tag written concurrently") as session:
                    run = self._live_run(session, run_id)
                    existing = {
                        t.key: t
                        for part in in_slices(list(clean))
                        for t in session.exec(
                            select(Tag).where(Tag.run_id == run_id, col(Tag.key).in_(part))
                        ).all()
                    }
                    for key, value in clean.items():
                        tag = existing.get(key) or Tag(run_id=run_id, key=key, value=value)
                        tag.value = value
                        session.add(tag)
                    run.updated_at = now_ms()
                    session.add(run)
                return
            except AlreadyExists:
                if attempt == 2:
                    raise

    def delete_tag(self, run_id: str, key: str) -> None:
        with self._write() as session:
            self._live_run(session, run_id)
            result = session.exec(delete(Tag).where(col(Tag.run_id) == run_id, col(Tag.key) == key))
            if not result.rowcount:
                raise NotFound(f"run {run_id!r} has no tag {key!r}", field="key")
