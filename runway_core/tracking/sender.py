"""One background sender per tracking store and process: it delivers the typed writes of every
run of that store, in the order they were made, several per request.

Callers only queue (microseconds); the thread drains the runs' metric buffers every
``RUNWAY_FLUSH_INTERVAL`` seconds (or when one fills up), delivers what is queued, and replays the
spool. A run this process owns that sent nothing for ``RUNWAY_HEARTBEAT_INTERVAL`` seconds sends
a heart-beat, so the server can tell a live run from a dead process (``crashed``).

When the store cannot be reached, writes go to the spool (and a run's later writes follow its
earlier ones there) until a retry, backing off from half a second to 30 seconds, uploads them.
A write the store refuses is set aside in ``rejected/`` with one warning, and the writes behind
it go on. ``flush()`` is the barrier: it returns once everything queued before it was
delivered, spooled or set aside.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from runway_core.config import settings
from runway_core.errors import Forbidden, RunwayError, Unauthorized
from runway_core.schemas.writes import HeartbeatWrite, Write
from runway_core.store.protocol import Store
from runway_core.tracking.delivery import Delivery, Outcome
from runway_core.tracking.fallback import Fallback
from runway_core.tracking.spool import Spool, SpoolLine

log = logging.getLogger("runway")

BACKOFF_START = 0.5
BACKOFF_MAX = 30.0
FLUSH_POINTS = 10_000
# One delivery takes at most this many writes or metric points (one request to a server).
MAX_WRITES = 500
MAX_POINTS = 50_000


@dataclass
class Deferred:
    """Writes that can only be built later, in their place in the queue (a run's creation waits
    for the process's reproduction capture, which runs in its own thread)."""

    run_id: str
    build: Callable[[float | None], list[Write]]  # argument: seconds it may wait


Item = Write | Deferred


class BufferedRun(Protocol):
    run_id: str
    beats: bool  # sends heart-beats (the run's status is this process's to record)

    def drain(self) -> None: ...


def _never() -> bool:
    return False


def _points(item: Item) -> int:
    batch = getattr(item, "batch", None)
    return sum(len(s.values) for s in batch.metrics.values()) if batch is not None else 1


class Sender:
    """``opener=None`` is offline mode: every write goes to the spool. The store is opened on
    first use (in a forked child, connections must not be shared with the parent)."""

    def __init__(
        self,
        uri: str,
        opener: Callable[[], Store | None] | None,
        spool: Spool,
        *,
        timeout: float = 15.0,
    ):
        self.uri = uri
        self.spool = spool
        self.timeout = timeout  # of one request: how long a delivery can hang
        cfg = settings()
        self.flush_interval = cfg.flush_interval
        self.heartbeat_interval = cfg.heartbeat_interval
        self._last_write: dict[str, float] = {}  # run id → when a write of it was last taken
        self._spooled_at_close = 0  # items up to this one were spooled by close()
        self._told = False  # the line saying what waits in the spool was printed
        self._fallback = Fallback(uri, spool)
        self._opener = opener
        self.offline = opener is None
        self._delivery: Delivery | None = None
        self._cond = threading.Condition()
        self._queue: deque[tuple[int, Item]] = deque()
        self._queued = 0  # sequence number of the last item queued
        self._done = 0  # every item up to this one was delivered, spooled or set aside
        self._outcomes: dict[int, Outcome | None] = {}  # for callers waiting on one item
        self._runs: dict[str, BufferedRun] = {}
        self._spooled: set[str] = set()  # runs whose writes must follow earlier ones to the spool
        self._down = opener is None
        self._sending = False  # the thread is delivering queued items (not retrying)
        self._in_flight: list[tuple[int, Item]] = []
        self._drain_due = False
        self._next_retry = 0.0
        self._backoff = BACKOFF_START
        self._warned = False
        self._thread: threading.Thread | None = None
        # Runs of this store asked to stop (sweep trials), with why: ``RunSession.should_stop``.
        self.stop_reasons: dict[str, str] = {}
        # Held while writes go to the store: a fork waits for it (see ``pause``).
        self._delivering = threading.Lock()

    # -- callers ------------------------------------------------------------------------------

    @property
    def down(self) -> bool:
        return self._down

    @property
    def store(self) -> Store | None:
        """The store (opened on first use), ``None`` offline or when it cannot be opened."""
        delivery = self._get_delivery()
        return delivery.store if delivery is not None else None

    def _get_delivery(self) -> Delivery | None:
        with self._cond:
            if self._delivery is not None or self._opener is None:
                return self._delivery
            opener, self._opener = self._opener, None
        store = opener()  # outside the lock: opening a database may take a while
        with self._cond:
            if store is None:
                self._down = True  # it logged why; the spool keeps the writes
            else:
                self._delivery = Delivery(store, self.spool.blob)
            return self._delivery

    def register(self, run: BufferedRun) -> None:
        # Another process (``runway run`` around this script) may have spooled for this run.
        spooled = self.spool.has(run.run_id)
        with self._cond:
            self._runs[run.run_id] = run
            self._last_write[run.run_id] = time.monotonic()
            if spooled:
                self._spooled.add(run.run_id)
                self._cond.notify_all()

    def unregister(self, run_id: str) -> None:
        with self._cond:
            self._runs.pop(run_id, None)
            self._last_write.pop(run_id, None)

    def submit(self, items: list[Item], *, wait: bool = False) -> int:
        """Queue items; returns the sequence number of the last one (for ``wait``)."""
        with self._cond:
            # Queued in one call before the count moves: a Ctrl-C landing in between leaves the
            # count behind the queue (a flush returns early; close() still sends everything),
            # never ahead of it (a flush would wait for an item that is not there).
            numbered = [(self._queued + i, item) for i, item in enumerate(items, 1)]
            self._queue.extend(numbered)
            self._queued += len(numbered)
            if wait:
                self._outcomes[self._queued] = None
            self._cond.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="runway-sender", daemon=True
                )
                self._thread.start()
            return self._queued

    def wake(self) -> None:
        """A run's buffer filled up: drain the buffers now rather than at the next second."""
        with self._cond:
            self._drain_due = True
            self._cond.notify_all()

    def pause(self) -> None:
        """Wait for the delivery in progress and hold the next one (until ``resume``): SQLite
        must not be in the middle of a transaction when the process forks, or the child
        inherits a lock that nobody in it will ever release."""
        self._delivering.acquire()

    def resume(self) -> None:
        self._delivering.release()

    def mark_down(self, reason: str) -> None:
        """The store was found unreachable (at first contact): spool until a retry succeeds."""
        with self._cond:
            self._lost_store(reason)

    def wait_done(self, seq: int, timeout: float | None = None) -> bool:
        """Wait until every item up to ``seq`` was delivered, spooled or set aside."""
        with self._cond:
            return self._cond.wait_for(lambda: self._done >= seq, timeout)

    def outcome(self, seq: int) -> Outcome | None:
        """Wait for item ``seq``, submitted with ``wait``: how its delivery ended (``None``
        when it went to the spool)."""
        with self._cond:
            self._cond.wait_for(lambda: self._done >= seq)
            return self._outcomes.pop(seq, None)

    def flush(self, timeout: float | None = None) -> bool:
        """Queue every run's buffered metrics, then wait for everything queued so far."""
        self._drain_runs()
        with self._cond:
            target = self._queued
        return self.wait_done(target, timeout)

    def close(self, give_up: Callable[[], bool] = _never) -> None:
        """At exit: deliver what is queued, waiting at most for a request in flight, or until
        ``give_up()`` (an interrupted exit's bound, a second Ctrl-C); when the store is down,
        or once given up, spool what is left from here without waiting for the thread."""
        self._drain_runs()
        gave_up = False
        with self._cond:
            progress, since = self._done, time.monotonic()
            stuck: list[tuple[int, Item]] = []
            while (self._queue or self._sending) and self._alive():
                if self._down and not self._sending:
                    break
                if give_up():
                    gave_up = True
                    stuck = list(self._in_flight)  # it may still arrive: twice is harmless
                    break
                if self._done != progress:
                    progress, since = self._done, time.monotonic()
                elif time.monotonic() - since > self.timeout + 5:
                    stuck = list(self._in_flight)  # no progress for longer than a request may
                    break  # take: keep a copy of what is in flight too (sent twice is harmless)
                self._cond.wait(0.05)
            # A second close (the excepthook's, then atexit's) finds the same request in
            # flight: it was spooled already.
            left = [item for item in stuck if item[0] > self._spooled_at_close]
            left += list(self._queue)
            self._queue.clear()
            if left:
                self._spooled_at_close = max(self._spooled_at_close, left[-1][0])
        if left:
            self._spool_items(left, deadline=1.0)
            with self._cond:
                self._done = max(self._done, left[-1][0])
                self._cond.notify_all()
        if (
            self._fallback.spool_broken
            or self._delivery is None
            or self._told
            or self._fallback.credentials_warned  # that warning said it already
        ):
            return
        if gave_up and left:
            self._told = True  # one line per store and process
            log.warning(
                "runway: stopped before %d writes reached %s; they wait in %s — run "
                "`runway sync` to upload them",
                len(left),
                self.uri,
                self.spool.directory,
            )
        elif self._spooled:
            self._told = True
            log.warning(
                "runway: not everything reached the tracking store; writes wait in %s — "
                "run `runway sync` when it is back",
                self.spool.directory,
            )

    def _alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the thread ---------------------------------------------------------------------------

    def _loop(self) -> None:
        next_drain = time.monotonic() + self.flush_interval
        while True:
            with self._cond:
                if not self._queue and not self._drain_due:
                    wake_at = next_drain
                    if self._spooled and self._delivery is not None:
                        wake_at = min(wake_at, self._next_retry)
                    self._cond.wait(max(0.0, wake_at - time.monotonic()))
            try:
                if self._drain_due or time.monotonic() >= next_drain:
                    self._drain_due = False
                    next_drain = time.monotonic() + self.flush_interval
                    self._drain_runs()
                    self._beat()
                batch = self._take()
                with self._delivering:
                    if batch:
                        self._process(batch)
                    self._retry()
            except Exception:  # never let the thread die; what it held is spooled or kept
                log.exception("runway: the background sender failed")
                time.sleep(0.1)

    def _drain_runs(self) -> None:
        with self._cond:
            runs = list(self._runs.values())
        for run in runs:
            run.drain()

    def _beat(self) -> None:
        """A heart-beat for each run of this process's that sent nothing for a while (not
        while the store is down: the spool has no use for them)."""
        now = time.monotonic()
        with self._cond:
            if self._down or self.offline:
                return
            due = [
                run_id
                for run_id, run in self._runs.items()
                if getattr(run, "beats", False)
                and now - self._last_write.get(run_id, now) >= self.heartbeat_interval
            ]
            for run_id in due:
                self._last_write[run_id] = now
        if due:
            self.submit([HeartbeatWrite(run_id=run_id) for run_id in due])

    def _take(self) -> list[tuple[int, Item]]:
        with self._cond:
            batch: list[tuple[int, Item]] = []
            points = 0
            while self._queue and len(batch) < MAX_WRITES:
                points += _points(self._queue[0][1])
                if batch and points > MAX_POINTS:
                    break
                batch.append(self._queue.popleft())
            now = time.monotonic()
            for _seq, item in batch:
                if item.run_id in self._last_write:
                    self._last_write[item.run_id] = now
            self._sending = bool(batch)
            self._in_flight = batch
            return batch

    def _process(self, batch: list[tuple[int, Item]]) -> None:
        try:
            self._deliver(batch)
        except Exception:
            log.exception("runway: delivering writes failed; they are kept in the spool")
            self._spool_items(batch, deadline=None)  # sent twice is harmless, lost is not
        finally:
            with self._cond:
                self._sending = False
                self._in_flight = []
                self._done = max(self._done, batch[-1][0])
                self._cond.notify_all()

    def _deliver(self, batch: list[tuple[int, Item]]) -> None:
        writes = [(seq, w) for seq, item in batch for w in self._expand(item, None)]
        delivery = self._get_delivery()
        with self._cond:
            direct = not self._down and delivery is not None
            spooled = set(self._spooled)
        send = [i for i, (_, w) in enumerate(writes) if direct and w.run_id not in spooled]
        keep = [i for i, (_, w) in enumerate(writes) if not direct or w.run_id in spooled]
        if send and delivery is not None:
            outcomes = delivery.deliver([writes[i][1] for i in send])
            lost = [o for o in outcomes if o.kind == "unavailable"]
            if lost:
                with self._cond:
                    self._lost_store(lost[0].reason, lost[0].error)
            for i, outcome in zip(send, outcomes, strict=True):
                seq, write = writes[i]
                if outcome.kind == "unavailable":
                    keep.append(i)
                elif outcome.kind == "refused" and not self._waited(seq):
                    self._fallback.set_aside(write, outcome.reason)
                else:
                    if outcome.stop is not None:
                        self.stop_reasons.setdefault(write.run_id, outcome.stop)
                    self._resolve(seq, outcome)
        self._spool_items([writes[i] for i in sorted(keep)], deadline=None)

    def _expand(self, item: Item, deadline: float | None) -> list[Write]:
        return item.build(deadline) if isinstance(item, Deferred) else [item]

    def _waited(self, seq: int) -> bool:
        with self._cond:
            return seq in self._outcomes

    def _resolve(self, seq: int, outcome: Outcome) -> None:
        with self._cond:
            if seq in self._outcomes:
                self._outcomes[seq] = outcome

    def _spool_items(self, items: list[tuple[int, Item]], *, deadline: float | None) -> None:
        """Append items to their runs' spool files, in order (one fsync per run)."""
        by_run: dict[str, list[Write]] = {}
        for _seq, item in items:
            for write in self._expand(item, deadline):
                by_run.setdefault(write.run_id, []).append(write)
        for run_id, writes in by_run.items():
            with self._cond:
                self._spooled.add(run_id)
            self._fallback.append(run_id, writes)

    # -- store lost and found -----------------------------------------------------------------

    def _lost_store(self, reason: str, error: RunwayError | None = None) -> None:
        """Called with the lock held."""
        self._down = True
        if isinstance(error, (Unauthorized, Forbidden)):
            # Not an outage, and the same token will not do better: no retries; the writes
            # wait in the spool for `runway sync` with a token or role that works.
            self._next_retry = math.inf
            self._fallback.credentials_refused(reason)
            return
        self._next_retry = time.monotonic() + self._backoff
        self._backoff = min(self._backoff * 2, BACKOFF_MAX)
        if not self._warned:
            self._warned = True
            log.warning(
                "runway: cannot reach the tracking store at %s (%s); writes go to %s and are "
                "retried in the background (or run `runway sync`)",
                self.uri,
                reason,
                self.spool.directory,
            )

    def _retry(self) -> None:
        """Upload the spool files of this store's runs when a retry is due."""
        with self._cond:
            delivery = self._delivery
            if not self._spooled or delivery is None or time.monotonic() < self._next_retry:
                return
            runs = sorted(self._spooled)
        uploaded = 0
        failed: list[Outcome] = []

        def deliver(lines: list[SpoolLine]) -> list[Outcome]:
            outcomes = delivery.deliver([line.write for line in lines])
            failed.extend(o for o in outcomes if o.kind == "unavailable")
            return outcomes

        for run_id in runs:
            try:
                result = self.spool.replay(self.spool.path_for(run_id), deliver)
            except OSError as error:  # the spool cannot be read or rewritten: try later
                self._fallback.spool_failed(error)
                result = None
            if result is not None and result.rejected and result.rejected_to is not None:
                self._fallback.refused_on_replay(run_id, result.rejected_to)
            with self._cond:
                if result is None:
                    self._lost_store("the spool cannot be read")
                    return
                if result.error is not None:
                    self._lost_store(result.error, failed[0].error if failed else None)
                    return
                uploaded += result.applied
                if not self.spool.has(run_id):
                    self._spooled.discard(run_id)
        with self._cond:
            if not self._spooled:
                if self._warned:
                    log.warning(
                        "runway: tracking store %s reachable again; uploaded %d spooled writes",
                        self.uri,
                        uploaded,
                    )
                self._down = False
                self._warned = False
                self._backoff = BACKOFF_START
