"""The spool replays a parent run's file before its child runs' files, whatever their ages."""

from __future__ import annotations

import os
from pathlib import Path

from runway_core.schemas import RunStatus, RunUpdate
from runway_core.schemas.writes import CreateRunWrite, RunStart, RunUpdateWrite
from runway_core.store.sql import SqlStore
from runway_core.tracking.spool import Spool
from runway_core.tracking.sync import sync_spool

URI = "http://runway.test"


def _create(run_id: str, parent: str | None = None) -> CreateRunWrite:
    start = RunStart(id=run_id, project="p", experiment="e", parent_run_id=parent)
    return CreateRunWrite(run_id=run_id, run=start)


def test_children_are_replayed_after_their_parent_even_when_older(spool_dir: Path) -> None:
    parent, child, grandchild, other = "a" * 32, "b" * 32, "c" * 32, "d" * 32
    spool = Spool(spool_dir)
    spool.append(URI, [_create(parent)])
    spool.append(URI, [_create(child, parent)])
    spool.append(URI, [_create(grandchild, child)])
    spool.append(URI, [_create(other)])
    update = RunUpdate(status=RunStatus.finished)
    spool.append(URI, [RunUpdateWrite(run_id=parent, update=update)])
    # Ages as a flow run leaves them: its tasks end (and are written last) before it does.
    for age, run_id in enumerate([grandchild, other, child, parent]):
        os.utime(spool.path_for(run_id), (1_000 + age, 1_000 + age))
    assert [p.stem for p in spool.files()] == [parent, child, grandchild, other]

    store = SqlStore(f"sqlite:///{spool_dir.parent / 'runway.db'}")
    try:
        result = sync_spool(spool, tracking_uri=None, open_store=lambda uri: store)
        assert result.rejected == 0 and result.applied == 5
        assert store.get_run(grandchild).parent_run_id == child
        assert store.get_run(parent).status == RunStatus.finished
    finally:
        store.close()
