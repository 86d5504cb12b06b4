"""The spool replays a run's parent before the run, whichever file was written to last: an
orchestrator's run (a DAG run) ends, and is appended to, after its task runs."""

from __future__ import annotations

import os
from pathlib import Path

from runway_core.schemas import RunStatus, RunUpdate
from runway_core.schemas.writes import CreateRunWrite, RunStart, RunUpdateWrite
from runway_core.tracking.spool import Spool

PARENT, CHILD, OTHER = "a" * 32, "b" * 32, "c" * 32
URI = "http://127.0.0.1:9"


def _create(run_id: str, parent: str | None = None) -> CreateRunWrite:
    start = RunStart(id=run_id, project="p", experiment="e", parent_run_id=parent)
    return CreateRunWrite(run_id=run_id, run=start)


def test_a_parent_written_to_last_is_replayed_first(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    parent = spool.append(URI, [_create(PARENT)])
    child = spool.append(URI, [_create(CHILD, parent=PARENT)])
    other = spool.append(URI, [_create(OTHER)])
    update = RunUpdateWrite(run_id=PARENT, update=RunUpdate(status=RunStatus.finished))
    spool.append(URI, [update])
    for age, path in enumerate((child, other, parent)):  # the parent is now the newest
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
    assert spool.files() == [parent, child, other]


def test_without_parents_the_oldest_file_comes_first(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    paths = [spool.append(URI, [_create(run_id)]) for run_id in (PARENT, CHILD, OTHER)]
    for age, path in enumerate(reversed(paths)):
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
    assert spool.files() == list(reversed(paths))
