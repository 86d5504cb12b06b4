"""Live and crashed runs: the heart-beats of runs' processes, and the sweep that marks a running
run ``crashed`` once its process has been silent for ``RUNWAY_RUN_HEARTBEAT_TIMEOUT``.

A run is watched once it sent a heart-beat (``HeartbeatWrite``: the SDK sends one with the run's
creation when the process records the run's end); from then on every write of it counts as
one. Runs never beaten (created over REST or MLflow, sweep trials an agent watches) are never
marked. A write from a crashed run (its process was only paused, or ``runway sync`` uploads what
it spooled) makes it ``running`` again; its own final status then ends it as usual.

The sweep is one indexed UPDATE of running runs, idempotent, so N server workers may all run it;
the server runs it periodically and every store before reads (at most every few seconds), so an
embedded database shows crashed runs too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, select, update
from sqlmodel import col

from runway_core.models import Run
from runway_core.schemas import RunStatus, now_ms
from runway_core.schemas.writes import HeartbeatWrite, ServerWrite
from runway_core.store.sql.base import SqlBase

log = logging.getLogger("runway")
_WATCHED = (RunStatus.running.value, RunStatus.crashed.value)


def heartbeat_timeout() -> float:
    from runway_core.config import settings

    return settings().run_heartbeat_timeout


def sweep_every(timeout: float) -> float:
    """How often to look for silent runs: often enough to mark them soon after the timeout."""
    return min(max(timeout / 4, 0.5), 30.0)


class HeartbeatsMixin(SqlBase):
    _swept_at = 0.0
    _sweep_lock = threading.Lock()

    def _note_heard_from(self, writes: Sequence[ServerWrite]) -> None:
        """Inside a batch of writes just applied: their runs' processes are alive."""
        ids = list(dict.fromkeys(w.run_id for w in writes))
        beats = list(dict.fromkeys(w.run_id for w in writes if isinstance(w, HeartbeatWrite)))
        if not ids:
            return
        stamp = now_ms()
        watched: Any = col(Run.heartbeat_at).is_not(None)
        if beats:
            watched = watched | col(Run.id).in_(beats)
        with self._write() as session:
            # A late write of a run marked crashed: its process was alive after all.
            session.execute(
                update(Run)
                .where(
                    col(Run.id).in_(ids),
                    col(Run.status) == RunStatus.crashed.value,
                    col(Run.heartbeat_at).is_not(None),
                )
                .values(status=RunStatus.running.value, end_time=None, updated_at=stamp)
                .execution_options(synchronize_session=False)
            )
            session.execute(
                update(Run)
                .where(col(Run.id).in_(ids), col(Run.status).in_(_WATCHED), watched)
                .values(heartbeat_at=stamp)
                .execution_options(synchronize_session=False)
            )

    def _mark_crashed_runs(self, timeout: float | None = None) -> int:
        """Mark ``crashed`` every running run silent for ``timeout`` seconds (default
        ``RUNWAY_RUN_HEARTBEAT_TIMEOUT``); its end time is when it was last heard from. Returns
        how many were marked."""
        timeout = heartbeat_timeout() if timeout is None else timeout
        cutoff = now_ms() - int(timeout * 1000)
        silent = (
            col(Run.status) == RunStatus.running.value,
            col(Run.heartbeat_at).is_not(None),
            col(Run.heartbeat_at) < cutoff,
        )
        with self._read() as session:  # a read first: no write lock when there is nothing
            if not session.execute(select(exists().where(*silent))).scalar():
                return 0
        with self._write() as session:
            result = session.execute(
                update(Run)
                .where(*silent)
                .values(
                    status=RunStatus.crashed.value, end_time=Run.heartbeat_at, updated_at=now_ms()
                )
                .execution_options(synchronize_session=False)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def _sweep_crashed_before_read(self) -> None:
        """At most every few seconds per store: mark silent runs before a read shows them."""
        if self._batch_session() is not None:
            return
        timeout = heartbeat_timeout()
        now = time.monotonic()
        if now - self._swept_at < sweep_every(timeout):
            return
        if not self._sweep_lock.acquire(blocking=False):
            return
        try:
            self._swept_at = now
            self._mark_crashed_runs(timeout)
        except Exception as exc:  # a busy database: the next read tries again
            log.debug("runway: marking crashed runs failed: %s", exc)
        finally:
            self._sweep_lock.release()


def mark_crashed_runs(store: object, timeout: float | None = None) -> int:
    """The sweep on ``store`` (a ``SqlStore``; any other store has none: 0)."""
    mark = getattr(store, "_mark_crashed_runs", None)
    return int(mark(timeout)) if mark is not None else 0
