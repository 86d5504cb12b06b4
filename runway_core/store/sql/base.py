"""Shared plumbing of the SQL store: sessions for reads and writes, and database-error mapping."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlmodel import Session, SQLModel

from runway_core.errors import AlreadyExists, InvalidInput, NotFound, StoreUnavailable
from runway_core.models import Run

log = logging.getLogger("runway.store")


def _log_database_error(said: str, exc: Exception) -> None:
    log.warning("%s: %s", said, getattr(exc, "orig", exc))


def _invalid_value(exc: DataError) -> InvalidInput:
    """A value the database refused (NUL in text on PostgreSQL, a number out of range…).

    Validation refuses these first; this keeps any it misses a 400 rather than a 500.
    """
    _log_database_error("a value cannot be stored", exc)
    return InvalidInput("a value cannot be stored (too large, or a character the database refuses)")


def _not_utf8(exc: UnicodeEncodeError) -> InvalidInput:
    """Text with a lone surrogate, which no driver can send; validation refuses it first, naming
    the field; this keeps any it misses a 400 rather than a 500."""
    return InvalidInput(f"text is not valid UTF-8 (a lone surrogate): {exc.reason}")


def row_dict(row: SQLModel) -> dict[str, Any]:
    """A table row's fields as loaded (no serialisation), to build a wire shape with extras."""
    return {name: getattr(row, name) for name in type(row).model_fields}


@contextmanager
def _database_errors(conflict_message: str | None = None) -> Iterator[None]:
    """Database errors as the typed errors of every store."""
    try:
        yield
    except IntegrityError as exc:
        # The database's own words stay in the server's log: they name tables, columns and
        # values, which are not the client's business (and may be another user's).
        text = str(exc.orig).lower()
        if "foreign key" in text:
            _log_database_error("a referenced record does not exist", exc)
            raise NotFound("a referenced record does not exist") from exc
        if "not null" in text or "not-null" in text or "check constraint" in text:
            # A value the validation let through; still the client's input, not a clash.
            _log_database_error("invalid value", exc)
            raise InvalidInput(
                "invalid value: a required field is missing or out of range"
            ) from exc
        _log_database_error("already exists", exc)
        raise AlreadyExists(
            conflict_message or "a record with these values already exists"
        ) from exc
    except OperationalError as exc:
        _log_database_error("the database refused the operation", exc)
        raise StoreUnavailable(
            "the database refused the operation (the server's log says why)"
        ) from exc
    except DataError as exc:
        raise _invalid_value(exc) from exc
    except UnicodeEncodeError as exc:
        raise _not_utf8(exc) from exc


# A batch of writes in progress (``SqlBase._batch_of_writes``): its engine, its session, and
# whether each write is a savepoint of its own.
_batch: ContextVar[tuple[Engine, Session, bool] | None] = ContextVar(
    "runway_sql_batch", default=None
)


def keep_loaded(session: Session, row: SQLModel) -> None:
    """Hold ``row`` for the session's life: the identity map only holds rows weakly, and the
    writes of a batch read the same run again and again."""
    session.info.setdefault("runway_rows", []).append(row)


def fresh_run_paths(session: Session, run_id: str) -> set[str] | None:
    """The artifact paths of a run created in this session's batch of writes (it has no
    others), or ``None`` for any other run."""
    fresh: dict[str, set[str]] | None = session.info.get("runway_fresh_runs")
    return fresh.get(run_id) if fresh is not None else None


def note_fresh_run(session: Session, run_id: str) -> None:
    """``run_id`` was created in this batch of writes: its artifact paths are tracked here."""
    session.info.setdefault("runway_fresh_runs", {})[run_id] = set()


class SqlBase:
    """Base of the ``SqlStore`` mixins (one per entity family); holds the engine."""

    _engine: Engine

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def _batch_session(self) -> Session | None:
        current = _batch.get()
        return current[1] if current is not None and current[0] is self._engine else None

    def _batch_savepoints(self) -> bool:
        current = _batch.get()
        return current is None or current[2]

    @contextmanager
    def _read(self) -> Iterator[Session]:
        batch = self._batch_session()
        with _database_errors():
            if batch is not None:
                yield batch  # inside a batch of writes: see what it wrote so far
                return
            with Session(self._engine, expire_on_commit=False) as session:
                yield session

    @contextmanager
    def _write(self, conflict_message: str | None = None) -> Iterator[Session]:
        """One transaction; commits on success, rolls back everything on any error. Inside a
        batch of writes, a savepoint of the batch's transaction instead."""
        batch = self._batch_session()
        with _database_errors(conflict_message):
            if batch is not None:
                if not self._batch_savepoints():
                    yield batch  # the batch is undone whole if a write fails
                    return
                with batch.begin_nested():  # a write that fails undoes only itself
                    yield batch
                return
            with self._engine.connect() as conn:
                conn.execution_options(runway_write=True)
                with Session(bind=conn, expire_on_commit=False) as session:
                    try:
                        yield session
                        session.commit()
                    except BaseException:
                        session.rollback()
                        raise
                conn.commit()

    @contextmanager
    def _batch_of_writes(self, *, savepoints: bool = True) -> Iterator[None]:
        """Many writes in one transaction (``apply_writes``), which pays for one transaction,
        not one per write. With ``savepoints`` each ``_write`` inside is a savepoint of it."""
        with _database_errors(), self._engine.connect() as conn:
            conn.execution_options(runway_write=True)
            with Session(bind=conn, expire_on_commit=False) as session:
                token = _batch.set((self._engine, session, savepoints))
                try:
                    yield
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
                finally:
                    _batch.reset(token)
            conn.commit()

    @staticmethod
    def _live_run(session: Session, run_id: str, *, allow_deleted: bool = False) -> Run:
        run = session.get(Run, run_id)
        if run is None or (run.deleted_at is not None and not allow_deleted):
            raise NotFound(f"run {run_id!r} not found", field="run_id")
        keep_loaded(session, run)
        return run
