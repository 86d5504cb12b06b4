"""Sends one run's writes to its store, in order; spools them when the store is unreachable.

Once a write has gone to the spool, later writes of the run follow it there (so the run is
created before its metrics, and finished after them) until a retry uploads the spool.
Retries back off from half a second to 30 seconds. One warning when the store is lost, one
line when it is back: never a warning per call, never an exception into the user's script.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runway_core.store.protocol import Store
from runway_core.tracking.ops import apply_record
from runway_core.tracking.spool import Rejected, Spool, Transient

log = logging.getLogger("runway")

BACKOFF_START = 0.5
BACKOFF_MAX = 30.0
# A store that failed this recently is not waited for again when a run is closed: its writes
# stay in the spool for the background retry or `runway sync`.
RECENT_FAILURE_S = 60.0
# An artifact bigger than this is not copied into the spool while the store is unreachable:
# the record keeps the original path (uploaded from there later) and a warning says so.
DEFAULT_MAX_COPY_MB = 1024


def max_copy_bytes() -> int:
    value = os.environ.get("RUNWAY_SPOOL_MAX_COPY_MB", "")
    try:
        return int(float(value) * 1024 * 1024) if value else DEFAULT_MAX_COPY_MB * 1024 * 1024
    except ValueError:
        return DEFAULT_MAX_COPY_MB * 1024 * 1024


class Sender:
    """``store=None`` means offline: every write goes to the spool."""

    def __init__(self, store: Store | None, uri: str, run_id: str, spool: Spool):
        self.store = store
        self.uri = uri
        self.run_id = run_id
        self.spool = spool
        self._lock = threading.RLock()
        self._spooling = store is None or spool.has(run_id)
        self._warned = False
        self._spool_warned = False
        self.lost = 0  # writes that could neither be sent nor spooled (unwritable spool)
        self._backoff = BACKOFF_START
        self._next_retry = 0.0
        self._failed_at: float | None = None
        self._reopen: Callable[[], Store | None] | None = None

    def after_fork(self, reopen: Callable[[], Store | None]) -> None:
        """In a forked child: fresh lock (the parent's may have been held at the fork) and a
        store opened on first use (connections must not be shared between processes)."""
        self._lock = threading.RLock()
        if self.store is not None:
            self._reopen = reopen

    def _live_store(self) -> Store | None:
        if self._reopen is not None:
            reopen, self._reopen = self._reopen, None
            self.store = reopen()
            if self.store is None:
                self._spooling = True
        return self.store

    @property
    def spooling(self) -> bool:
        return self._spooling

    def submit(self, record: dict[str, Any], *, raise_rejected: bool = False) -> Any:
        """Send ``record`` now, or spool it. A refusal by the store is raised when
        ``raise_rejected`` (the call site can show it), otherwise logged and kept aside."""
        with self._lock:
            store = self._live_store()
            if not self._spooling:
                self._retry_due()
            if self._spooling or store is None:
                self._to_spool(record)
                return None
            try:
                return apply_record(store, record, self.spool)
            except Transient as exc:
                self._lost(str(exc))
                self._to_spool(record)
            except Rejected as exc:
                if raise_rejected and exc.__cause__ is not None:
                    raise exc.__cause__ from None
                log.warning("runway: the store refused a %s write: %s", record["op"], exc)
                try:
                    self.spool._reject(self.spool.path_for(self.run_id), _line(record), str(exc))
                except OSError as error:
                    self._spool_failed(error)
            return None

    def retry(self, *, force: bool = False) -> bool:
        """Upload this run's spool if a retry is due (or ``force``); True when nothing is left."""
        with self._lock:
            if not self._spooling:
                return True
            if self._live_store() is None:
                return False
            if not force and time.monotonic() < self._next_retry:
                return False
            return self._replay()

    def _retry_due(self) -> None:
        # Another process (``runway run`` around this script) may have spooled for this run.
        if self.spool.has(self.run_id):
            self._spooling = True

    def _replay(self) -> bool:
        store = self._live_store()
        assert store is not None
        try:
            result = self.spool.replay(
                self.spool.path_for(self.run_id),
                lambda record: apply_record(store, record, self.spool),
            )
        except OSError as error:  # the spool cannot be read or rewritten: keep it, try later
            self._spool_failed(error)
            return False
        if result.error is None:
            if self._warned:
                log.warning(
                    "runway: tracking store reachable again; uploaded %d spooled writes of run %s",
                    result.applied,
                    self.run_id,
                )
            self._spooling = False
            self._warned = False
            self._failed_at = None
            self._backoff = BACKOFF_START
            return True
        self._failed_at = time.monotonic()
        self._next_retry = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, BACKOFF_MAX)
        return False

    def failed_recently(self) -> bool:
        return self._failed_at is not None and time.monotonic() - self._failed_at < RECENT_FAILURE_S

    def _lost(self, reason: str) -> None:
        self._failed_at = time.monotonic()
        self._spooling = True
        self._next_retry = time.monotonic() + self._backoff
        if not self._warned:
            self._warned = True
            log.warning(
                "runway: cannot reach the tracking store at %s (%s); writes of run %s go to %s "
                "and are retried in the background (or run `runway sync`)",
                self.uri,
                reason,
                self.run_id,
                self.spool.path_for(self.run_id),
            )

    def _to_spool(self, record: dict[str, Any]) -> None:
        try:
            data = record["data"]
            if record["op"] == "artifact" and not data.get("blob"):
                record = self._artifact_copy(record, Path(data["file"]))
            self.spool.append([record])
        except OSError as error:  # a full disk or unwritable folder must not stop the script
            self.lost += 1
            self._spool_failed(error)

    def _artifact_copy(self, record: dict[str, Any], file: Path) -> dict[str, Any]:
        """The user may overwrite the file (a checkpoint) before the upload: keep a copy,
        unless it is over the size cap (then it is uploaded from where it is, later)."""
        size = file.stat().st_size
        if size > max_copy_bytes():
            log.warning(
                "runway: %s (%.0f MB) is over the spool's copy limit (RUNWAY_SPOOL_MAX_COPY_MB, "
                "default %d) and is not copied into the spool; it will be uploaded from where "
                "it is, so keep it unchanged until the upload (or `runway sync`)",
                file,
                size / 2**20,
                DEFAULT_MAX_COPY_MB,
            )
            return record
        return {**record, "data": {**record["data"], "blob": self.spool.keep_file(file)}}

    def _spool_failed(self, error: OSError) -> None:
        if not self._spool_warned:
            self._spool_warned = True
            log.warning(
                "runway: cannot write the spool at %s (%s); writes of run %s that the "
                "tracking store did not take are lost (set RUNWAY_SPOOL_DIR to a writable folder)",
                self.spool.directory,
                error,
                self.run_id,
            )


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":"))
