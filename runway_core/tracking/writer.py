"""``RunWriter``: the writes of one run, queued on its store's sender in the order they are made.

Metrics collect in the run's buffer (validated at the call, the training loop's hot path) and
are drained as batches by the sender's thread every second, or here before a write that must
come after them (the final status, a barrier). Inputs are validated by the caller.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runway_core.errors import RunwayError
from runway_core.schemas import ArtifactPublic, RunUpdate
from runway_core.schemas.writes import (
    LinkWrite,
    MetricsWrite,
    ParamsWrite,
    RunUpdateWrite,
    TagsWrite,
    UploadWrite,
)
from runway_core.tracking.buffer import MetricBuffer
from runway_core.tracking.sender import Item, Sender


class RunWriter:
    def __init__(self, run_id: str, sender: Sender, *, beats: bool = False):
        self.run_id = run_id
        self.sender = sender
        self.beats = beats  # heart-beats while open: this process records the run's end
        self.buffer = MetricBuffer()
        self.closed = False
        self._lock = threading.Lock()
        self._last = 0  # sequence number of this run's last queued write
        sender.register(self)

    @property
    def uri(self) -> str:
        return self.sender.uri

    def drain(self) -> None:
        """Queue the buffered metrics (called by the sender's thread, and before barriers)."""
        with self._lock:
            self._drain()

    def _drain(self) -> None:
        batches = self.buffer.drain()
        if batches:
            writes: list[Item] = [MetricsWrite(run_id=self.run_id, batch=b) for b in batches]
            self._last = self.sender.submit(writes)

    def submit(self, items: list[Item], *, wait: bool = False) -> int:
        with self._lock:
            self._last = self.sender.submit(items, wait=wait)
            return self._last

    def log_params(self, params: Mapping[str, Any], *, overwrite: bool = False) -> None:
        self.submit([ParamsWrite(run_id=self.run_id, params=dict(params), overwrite=overwrite)])

    def set_tags(self, tags: Mapping[str, str]) -> None:
        self.submit([TagsWrite(run_id=self.run_id, tags=dict(tags))])

    def log_artifact(
        self, path: str, file: Path, *, kind: str = "file", wait: bool = True
    ) -> ArtifactPublic | None:
        """Upload and wait: the caller gets the stored record (``None`` when the file waits in
        the spool), or the store's refusal raised here. ``wait=False``: only queue it."""
        write = UploadWrite(run_id=self.run_id, path=path, file=str(file.resolve()), kind=kind)
        if not wait:
            self.submit([write])
            return None
        return self._wait_for(self.submit([write], wait=True))

    def link_artifact(self, path: str, uri: str) -> ArtifactPublic | None:
        write = LinkWrite(run_id=self.run_id, path=path, uri=uri)
        return self._wait_for(self.submit([write], wait=True))

    def _wait_for(self, seq: int) -> ArtifactPublic | None:
        outcome = self.sender.outcome(seq)
        if outcome is None or outcome.kind == "unavailable":
            return None
        if outcome.kind == "refused":
            raise outcome.error or RunwayError(outcome.reason)
        result: ArtifactPublic | None = outcome.result
        return result

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until this run's writes so far were delivered, spooled or set aside."""
        with self._lock:
            self._drain()
            last = self._last
        return self.sender.wait_done(last, timeout)

    def close(self, update: RunUpdate | None) -> int:
        """Queue the last metrics and, when given, the final status; no write after this."""
        with self._lock:
            if not self.closed:
                self.closed = True
                self._drain()
                if update is not None:
                    write = RunUpdateWrite(run_id=self.run_id, update=update)
                    self._last = self.sender.submit([write])
                self.sender.unregister(self.run_id)
            return self._last

    def rebind(self, sender: Sender) -> None:
        """In a forked child: an empty buffer (the parent sends its own points) that keeps
        counting steps where the parent was, on the child's own sender."""
        self.buffer = self.buffer.forked()
        self.beats = False  # the parent's run: the parent beats for it
        self._lock = threading.Lock()
        self.sender = sender
        self._last = 0
        if not self.closed:
            sender.register(self)
