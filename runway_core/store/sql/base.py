"""Shared plumbing of the SQL store: sessions for reads and writes, and database-error mapping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlmodel import Session, SQLModel

from runway_core.errors import AlreadyExists, InvalidInput, NotFound, StoreUnavailable
from runway_core.models import Run


def _invalid_value(exc: DataError) -> InvalidInput:
    """A value the database refused (NUL in text on PostgreSQL, a number out of range…).

    Validation refuses these first; this keeps any it misses a 400 rather than a 500.
    """
    return InvalidInput(f"a value cannot be stored: {exc.orig}")


def _not_utf8(exc: UnicodeEncodeError) -> InvalidInput:
    """Text with a lone surrogate, which no driver can send; validation refuses it first, naming
    the field; this keeps any it misses a 400 rather than a 500."""
    return InvalidInput(f"text is not valid UTF-8 (a lone surrogate): {exc.reason}")


def row_dict(row: SQLModel) -> dict[str, Any]:
    """A table row's fields as loaded (no serialisation), to build a wire shape with extras."""
    return {name: getattr(row, name) for name in type(row).model_fields}


class SqlBase:
    """Base of the ``SqlStore`` mixins (one per entity family); holds the engine."""

    _engine: Engine

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @contextmanager
    def _read(self) -> Iterator[Session]:
        try:
            with Session(self._engine, expire_on_commit=False) as session:
                yield session
        except OperationalError as exc:
            raise StoreUnavailable(f"database error: {exc.orig}") from exc
        except DataError as exc:
            raise _invalid_value(exc) from exc
        except UnicodeEncodeError as exc:
            raise _not_utf8(exc) from exc

    @contextmanager
    def _write(self, conflict_message: str | None = None) -> Iterator[Session]:
        """One transaction; commits on success, rolls back everything on any error."""
        try:
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
        except IntegrityError as exc:
            text = str(exc.orig).lower()
            if "foreign key" in text:
                raise NotFound(f"a referenced record does not exist: {exc.orig}") from exc
            if "not null" in text or "not-null" in text or "check constraint" in text:
                # A value the validation let through; still the client's input, not a clash.
                raise InvalidInput(f"invalid value: {exc.orig}") from exc
            raise AlreadyExists(conflict_message or f"already exists: {exc.orig}") from exc
        except OperationalError as exc:
            raise StoreUnavailable(f"database error: {exc.orig}") from exc
        except DataError as exc:
            raise _invalid_value(exc) from exc
        except UnicodeEncodeError as exc:
            raise _not_utf8(exc) from exc

    @staticmethod
    def _live_run(session: Session, run_id: str, *, allow_deleted: bool = False) -> Run:
        run = session.get(Run, run_id)
        if run is None or (run.deleted_at is not None and not allow_deleted):
            raise NotFound(f"run {run_id!r} not found", field="run_id")
        return run
