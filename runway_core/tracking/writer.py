"""``RunWriter``: everything one tracked run writes, non-blocking for metrics and never lost.

The SDK's ``Run``, the orchestrator integrations and ``runway run`` all write through it.
Inputs are validated by the caller (or by ``MetricBuffer.add``) before they get here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from runway_core.schemas import ArtifactPublic, RunCreate, RunPublic, RunUpdate
from runway_core.store.protocol import Store
from runway_core.tracking.buffer import MetricBuffer
from runway_core.tracking.flusher import FLUSH_INTERVAL, FLUSH_POINTS, Flusher
from runway_core.tracking.sender import Sender
from runway_core.tracking.spool import Spool, make_record

log = logging.getLogger("runway")


class RunWriter:
    """Writes of one run. ``store=None`` is offline mode (everything goes to the spool)."""

    def __init__(
        self,
        run_id: str,
        *,
        uri: str,
        store: Store | None,
        spool: Spool | None = None,
        flush_interval: float = FLUSH_INTERVAL,
        flush_points: int = FLUSH_POINTS,
    ):
        self.run_id = run_id
        self.uri = uri
        self.store = store
        self.spool = spool or Spool()
        self.buffer = MetricBuffer()
        self.sender = Sender(store, uri, run_id, self.spool)
        self.flusher = Flusher(
            self.buffer, self.sender, interval=flush_interval, max_points=flush_points
        )
        self._flush_points = flush_points
        self.closed = False

    @property
    def spooling(self) -> bool:
        return self.sender.spooling

    def log_metrics(
        self, metrics: Mapping[str, Any], step: int | None = None, timestamp: int | None = None
    ) -> None:
        self.buffer.add(metrics, step, timestamp)
        if self.buffer.pending >= self._flush_points:
            self.flusher.wake()

    def create_run(self, project: str, experiment: str, run: RunCreate) -> RunPublic | None:
        """Get-or-create project and experiment, then the run (its id is set by the caller)."""
        data = {
            "project": project,
            "experiment": experiment,
            "run": run.model_dump(mode="json", exclude_none=True),
        }
        return self._submit("create_run", data, raise_rejected=True)

    def log_params(self, params: Mapping[str, Any], *, overwrite: bool = False) -> None:
        self._submit("params", {"params": dict(params), "overwrite": overwrite}, True)

    def set_tags(self, tags: Mapping[str, str]) -> None:
        self._submit("tags", {"tags": dict(tags)}, True)

    def update_run(self, update: RunUpdate) -> None:
        self.flush()  # metrics logged before a status change arrive before it
        self._submit("update_run", update.model_dump(mode="json", exclude_unset=True), False)

    def log_artifact(self, path: str, file: Path, *, kind: str = "file") -> ArtifactPublic | None:
        data = {"path": path, "file": str(Path(file).resolve()), "kind": kind}
        return self._submit("artifact", data, raise_rejected=True)

    def link_artifact(self, path: str, uri: str) -> ArtifactPublic | None:
        return self._submit("link", {"path": path, "uri": uri}, raise_rejected=True)

    def flush(self) -> None:
        self.flusher.flush()

    def close(self, *, at_exit: bool = False) -> None:
        """Drain the buffer and try the spool once more; idempotent. At interpreter exit, or
        when the store failed within the last minute, a store known to be unreachable is not
        waited for again: the spool keeps the writes for the background retry or `runway sync`."""
        if self.closed:
            return
        self.closed = True
        give_up = self.sender.spooling and (at_exit or self.sender.failed_recently())
        self.flusher.close(final_retry=not give_up)
        if self.sender.spooling and (give_up or at_exit):
            log.warning(
                "runway: run %s was not fully uploaded; its writes wait in %s — "
                "run `runway sync` when the tracking store is back",
                self.run_id,
                self.spool.path_for(self.run_id),
            )

    def after_fork(self, reopen: Callable[[], Store | None]) -> None:
        """In a forked child: an empty buffer (the parent sends its own points), fresh locks,
        a new flusher thread, and a store re-opened on first use."""
        self.buffer = self.buffer.forked()
        self.sender.after_fork(reopen)
        self.flusher = Flusher(
            self.buffer,
            self.sender,
            interval=self.flusher.interval,
            max_points=self.flusher.max_points,
        )

    def _submit(self, op: str, data: dict[str, Any], raise_rejected: bool) -> Any:
        record = make_record(op, self.uri, self.run_id, data)
        return self.sender.submit(record, raise_rejected=raise_rejected)
