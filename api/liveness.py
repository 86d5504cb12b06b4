"""The server's periodic sweep that marks ``crashed`` the running runs whose process went silent
(see ``runway_core.store.sql.heartbeats``). Every worker runs it: the UPDATE is idempotent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from runway_core.store.sql.heartbeats import mark_crashed_runs, sweep_every

log = logging.getLogger("runway")


async def _sweep(store: Any, timeout: float) -> None:
    while True:
        await asyncio.sleep(sweep_every(timeout))
        try:
            marked = await asyncio.to_thread(mark_crashed_runs, store, timeout)
        except Exception as exc:  # a busy or restarting database: try at the next round
            log.warning("runway: looking for crashed runs failed: %s", exc)
            continue
        if marked:
            log.info("runway: %d run(s) silent for %gs marked crashed", marked, timeout)


@asynccontextmanager
async def crashed_run_sweep(store: Any, timeout: float) -> AsyncIterator[None]:
    """Run the sweep while the app serves (a store without heart-beats has none)."""
    if not hasattr(store, "_mark_crashed_runs"):
        yield
        return
    task = asyncio.create_task(_sweep(store, timeout))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
