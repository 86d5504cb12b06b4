"""Uploading the spool: ``runway sync``, and the first thing to check after an outage.

Every spool file is replayed, oldest first, in batches to the store each write was meant for
(or to ``tracking_uri``). Refused writes move to ``rejected/`` and the rest go on; a store that
cannot be reached keeps its file whole from the first write that failed.
"""

from __future__ import annotations

from collections.abc import Callable

from runway_core.config import resolve_tracking_uri
from runway_core.errors import RunwayError
from runway_core.store.protocol import Store
from runway_core.tracking.delivery import Delivery, Outcome
from runway_core.tracking.spool import Spool, SpoolLine, SyncResult

Opener = Callable[[str], Store]


def sync_spool(
    spool: Spool | None = None,
    *,
    tracking_uri: str | None = None,
    open_store: Opener | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> SyncResult:
    """Upload every spool file; ``tracking_uri`` overrides each write's target."""
    spool = spool or Spool()
    target = resolve_tracking_uri(tracking_uri) if tracking_uri else None
    opener = open_store or _open
    deliveries: dict[str, Delivery | str] = {}  # a delivery, or why the store cannot be used

    def delivery(uri: str) -> Delivery | str:
        if uri not in deliveries:
            try:
                deliveries[uri] = Delivery(opener(uri), spool.blob)
            except RunwayError as exc:
                deliveries[uri] = f"cannot use {uri}: {exc.message}"
            except Exception as exc:
                deliveries[uri] = f"cannot open {uri}: {type(exc).__name__}: {exc}"
        return deliveries[uri]

    def deliver(lines: list[SpoolLine]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        while len(outcomes) < len(lines):
            uri = target or lines[len(outcomes)].uri
            group = []
            for line in lines[len(outcomes) :]:
                if (target or line.uri) != uri:
                    break
                group.append(line.write)
            found = delivery(uri)
            done = (
                [Outcome("unavailable", found)] * len(group)
                if isinstance(found, str)
                else found.deliver(group)
            )
            outcomes += done
            if on_progress:
                on_progress(sum(o.kind != "unavailable" for o in done))
            if done[-1].kind == "unavailable":
                # Not tried again for the next files: a server that hangs costs one timeout.
                deliveries[uri] = done[-1].reason
                outcomes += [done[-1]] * (len(lines) - len(outcomes))
        return outcomes

    result = SyncResult()
    for path in spool.files():
        replay = spool.replay(path, deliver)
        result.files += 1
        result.applied += replay.applied
        result.rejected += replay.rejected
        result.remaining += replay.remaining
        if replay.rejected_to is not None and replay.rejected_to not in result.rejected_files:
            result.rejected_files.append(replay.rejected_to)
        if replay.error:
            result.errors.append(f"{path.name}: {replay.error}")
    if open_store is not None:  # stores opened here; the default ones are the process's
        for found in deliveries.values():
            if isinstance(found, Delivery):
                found.store.close()
    return result


def _open(uri: str) -> Store:
    """The store at ``uri``; a server is first asked whether it is Runway at all."""
    from runway_core.tracking import stores

    conn = stores.connection(uri)
    if conn.store is None:
        raise RunwayError(f"the tracking store {uri} cannot be opened")
    stores.first_contact(conn)
    return conn.store
