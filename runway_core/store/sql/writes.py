"""The run lifecycle's writes in the SQL store: ``ensure_run`` (get-or-create a run with its
project and experiment, in one transaction) and ``apply_writes`` (a batch of typed writes in one
transaction, a savepoint each, so the many short runs of a sweep cost few statements each).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlmodel import Session, select

from runway_core.errors import AlreadyExists, RunwayError
from runway_core.models import Experiment, Project, Run
from runway_core.schemas import RunCreate, RunPublic
from runway_core.schemas.writes import (
    CreateRunWrite,
    HeartbeatWrite,
    MetricsWrite,
    RunStart,
    RunUpdateWrite,
    ServerWrite,
    WriteResult,
)
from runway_core.store.sql.acting import Refused, grant_creator, require_role
from runway_core.store.sql.artifacts import ArtifactsMixin
from runway_core.store.sql.base import keep_loaded, note_fresh_run, row_dict
from runway_core.store.sql.metrics import check_batch
from runway_core.store.sql.runs import (
    RunsMixin,
    check_new_run,
    check_parents,
    load_run_publics,
)
from runway_core.store.sql.trials import TrialsMixin
from runway_core.store.writes import apply_write, apply_writes, invalid_batch
from runway_core.validation import check_name

if TYPE_CHECKING:
    from runway_core.store.protocol import Store


class WritesMixin(RunsMixin, ArtifactsMixin, TrialsMixin):
    def ensure_run(self, run: RunStart) -> RunPublic:
        """Get-or-create the project and experiment by name and the run by id, in one
        transaction; a run that exists is returned as it is (a retry changes nothing)."""
        try:
            public = self._ensure_run_retried(run)
        except Refused as exc:
            raise exc.error from None
        assert public is not None  # not inside a batch of writes
        return public

    def _ensure_run_retried(self, run: RunStart) -> RunPublic | None:
        project = check_name(run.project, "project")
        experiment = check_name(run.experiment, "experiment")
        create = _run_create(run)
        check_new_run(create)
        # Two clients creating the same project, experiment or run at once: one insert loses
        # on a unique key; the retry then finds the winner's row.
        for attempt in range(3):
            try:
                with self._write("created concurrently") as session:
                    return self._ensure_run(session, create, project, experiment)
            except AlreadyExists:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _ensure_run(
        self, session: Session, create: RunCreate, project: str, experiment: str
    ) -> RunPublic | None:
        """The run got or created; ``None`` inside a batch of writes (nobody reads it)."""
        row = session.get(Run, create.id)
        if row is not None:
            require_role(session, row.project_id, "write", what=f"run {row.id!r}")
            return load_run_publics(session, [row])[0] if self._batch_session() is None else None
        exp = _experiment(session, project, experiment)
        create.experiment_id = exp.id
        row, params, tags = self._new_run(session, create, {exp.id: exp})
        check_parents(session, [row], set())
        session.add(row)
        session.flush()
        session.add_all([*params, *tags])
        session.flush()
        keep_loaded(session, row)
        if self._batch_session() is not None:
            # A run new in this batch has no artifacts but those the batch adds: their paths
            # are checked here rather than queried (see fresh_run_paths).
            note_fresh_run(session, row.id)
            return None
        # A new run: its params and tags are the rows just written, and it has no metrics.
        return RunPublic.model_validate(
            {
                **row_dict(row),
                "params": {p.key: json.loads(p.value) for p in params},
                "tags": {t.key: t.value for t in tags},
                "metrics": {},
            }
        )

    def apply_writes(self, writes: Sequence[ServerWrite]) -> list[WriteResult]:
        """A write the acting user may not make (``acting.py``) refuses the whole batch."""
        try:
            return self._apply_writes(writes)
        except Refused as exc:
            raise exc.error from None

    def _apply_writes(self, writes: Sequence[ServerWrite]) -> list[WriteResult]:
        # One transaction for the batch (see SqlBase._batch_of_writes). Usually every write is
        # accepted: try them all without the cost of a savepoint each; at the first failure
        # undo everything and apply them again, each in its own savepoint this time, and
        # refuse the whole batch if a write is not valid input (see store/writes.py).
        try:
            with self._batch_of_writes(savepoints=False):
                values = [self._apply_write(write) for write in writes]
                self._note_heard_from(writes)
        except Exception:
            with self._batch_of_writes():
                results = apply_writes(cast("Store", self), writes, apply=self._apply_write)
                invalid = invalid_batch(results)
                if invalid is not None:
                    raise invalid from None  # undoes the whole batch
                self._note_heard_from(writes)
            return self._with_stop_signals(writes, results)
        results = [WriteResult(status=200, artifact=value) for value in values]
        return self._with_stop_signals(writes, results)

    def _with_stop_signals(
        self, writes: Sequence[ServerWrite], results: list[WriteResult]
    ) -> list[WriteResult]:
        """Metric writes of sweep trials keep them alive, and bring back a stop request."""
        metric_runs = [w.run_id for w in writes if isinstance(w, MetricsWrite)]
        try:
            stops = self._trial_signals(metric_runs) if metric_runs else {}
        except RunwayError:  # the writes stand; the signal comes with the next ones
            stops = {}
        if stops:
            for write, result in zip(writes, results, strict=False):
                if isinstance(write, MetricsWrite) and result.ok and write.run_id in stops:
                    result.stop = stops[write.run_id]
        return results

    def _apply_write(self, write: ServerWrite) -> Any:
        # Inside a batch nobody reads the run back: creating or updating it skips loading it.
        if isinstance(write, HeartbeatWrite):
            return None  # recorded for the whole batch (_note_heard_from)
        if isinstance(write, CreateRunWrite):
            self._ensure_run_retried(write.run)
            return None
        if isinstance(write, MetricsWrite):
            check_batch(write.batch)  # a bad batch is bad input, whether or not the run exists
        if isinstance(write, RunUpdateWrite):
            with self._write() as session:
                _, compact = self._update_run_row(session, write.run_id, write.update)
            if compact:
                self._compact_metrics(write.run_id)
            return None
        return apply_write(cast("Store", self), write)


def _experiment(session: Session, project: str, experiment: str) -> Experiment:
    """The experiment, created with its project when missing. Within a batch of writes, those
    found are remembered (not those created: a savepoint rolled back would undo them)."""
    known: dict[tuple[str, str], Experiment] = session.info.setdefault("runway_experiments", {})
    found = known.get((project, experiment))
    if found is not None:
        return found
    proj = session.exec(select(Project).where(Project.name == project)).first()
    exp = None
    if proj is not None:
        query = select(Experiment).where(
            Experiment.project_id == proj.id, Experiment.name == experiment
        )
        exp = session.exec(query).first()
    if proj is not None:
        # Also where the project was created a moment ago by another user, whose creation
        # this one lost to: this caller is no member of it then.
        require_role(
            session, proj.id, "write", what=f"project named {project!r}", taken_name=project
        )
    if exp is not None:
        known[(project, experiment)] = exp
        return exp
    if proj is None:
        proj = Project(name=project)
        session.add(proj)
        session.flush()
        grant_creator(session, proj.id)  # in the same transaction as the project
    exp = Experiment(project_id=proj.id, name=experiment)
    session.add(exp)
    session.flush()
    return exp


def _run_create(run: RunStart) -> RunCreate:
    # Fields of a validated RunStart: no need to validate them a second time.
    data = run.model_dump(exclude={"project", "experiment"})
    return RunCreate.model_construct(**data, experiment_id="pending")
