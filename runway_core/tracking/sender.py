"""Sends one run's writes to its store, in order; spools them when the store is unreachable.

Once a write has gone to the spool, later writes of the run follow it there (so the run is
created before its metrics, and finished after them) until a retry uploads the spool.
Retries back off from half a second to 30 seconds. One warning when the store is lost, one
line when it is back: never a warning per call, never an exception into the user's script.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

from runway_core.store.protocol import Store
from runway_core.tracking.ops import apply_record
from runway_core.tracking.spool import Rejected, Spool, Transient

log = logging.getLogger("runway")

BACKOFF_START = 0.5
BACKOFF_MAX = 30.0


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
        self._backoff = BACKOFF_START
        self._next_retry = 0.0

    @property
    def spooling(self) -> bool:
        return self._spooling

    def submit(self, record: dict[str, Any], *, raise_rejected: bool = False) -> Any:
        """Send ``record`` now, or spool it. A refusal by the store is raised when
        ``raise_rejected`` (the call site can show it), otherwise logged and kept aside."""
        with self._lock:
            if not self._spooling:
                self._retry_due()
            if self._spooling:
                self._to_spool(record)
                return None
            assert self.store is not None
            try:
                return apply_record(self.store, record, self.spool)
            except Transient as exc:
                self._lost(str(exc))
                self._to_spool(record)
            except Rejected as exc:
                if raise_rejected and exc.__cause__ is not None:
                    raise exc.__cause__ from None
                log.warning("runway: the store refused a %s write: %s", record["op"], exc)
                self.spool._reject(self.spool.path_for(self.run_id), _line(record), str(exc))
            return None

    def retry(self, *, force: bool = False) -> bool:
        """Upload this run's spool if a retry is due (or ``force``); True when nothing is left."""
        with self._lock:
            if not self._spooling:
                return True
            if self.store is None:
                return False
            if not force and time.monotonic() < self._next_retry:
                return False
            return self._replay()

    def _retry_due(self) -> None:
        # Another process (``runway run`` around this script) may have spooled for this run.
        if self.spool.has(self.run_id):
            self._spooling = True

    def _replay(self) -> bool:
        assert self.store is not None
        store = self.store
        result = self.spool.replay(
            self.spool.path_for(self.run_id),
            lambda record: apply_record(store, record, self.spool),
        )
        if result.error is None:
            if self._warned:
                log.warning(
                    "runway: tracking store reachable again; uploaded %d spooled writes of run %s",
                    result.applied,
                    self.run_id,
                )
            self._spooling = False
            self._warned = False
            self._backoff = BACKOFF_START
            return True
        self._next_retry = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, BACKOFF_MAX)
        return False

    def _lost(self, reason: str) -> None:
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
        data = record["data"]
        if record["op"] == "artifact" and not data.get("blob"):
            # The user may overwrite the file (a checkpoint) before the upload: keep a copy.
            record = {**record, "data": {**data, "blob": self.spool.keep_file(Path(data["file"]))}}
        self.spool.append([record])


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":"))
