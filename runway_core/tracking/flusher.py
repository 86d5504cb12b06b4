"""Background daemon thread that sends a run's buffered metrics by size or every second.

``flush()`` sends everything logged so far before returning; ``close()`` stops the thread and
drains what is left from the calling thread (so it also works inside ``atexit``).
"""

from __future__ import annotations

import logging
import threading

from runway_core.tracking.buffer import MetricBuffer
from runway_core.tracking.sender import Sender
from runway_core.tracking.spool import make_record

log = logging.getLogger("runway")

FLUSH_INTERVAL = 1.0
FLUSH_POINTS = 10_000


class Flusher:
    def __init__(
        self,
        buffer: MetricBuffer,
        sender: Sender,
        *,
        interval: float = FLUSH_INTERVAL,
        max_points: int = FLUSH_POINTS,
    ):
        self.buffer = buffer
        self.sender = sender
        self.interval = interval
        self.max_points = max_points
        self._wake = threading.Event()
        self._stop = threading.Event()
        # Held while a drained batch is on its way, so flush() returns only after it was sent.
        self._flush_lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._loop, name=f"runway-flusher-{sender.run_id[:8]}", daemon=True
        )
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def flush(self) -> None:
        with self._flush_lock:
            for batch in self.buffer.drain():
                record = make_record(
                    "metrics",
                    self.sender.uri,
                    self.sender.run_id,
                    batch.model_dump(mode="json", exclude_none=True),
                    batch_id=batch.batch_id,
                )
                self.sender.submit(record)

    def close(self, *, final_retry: bool = True) -> None:
        self._stop.set()
        self._wake.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout=30)
        self.flush()
        if final_retry:
            self.sender.retry(force=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.flush()
                self.sender.retry()
            except Exception:  # never let the thread die; the data stays buffered or spooled
                log.exception("runway: background flush failed")
