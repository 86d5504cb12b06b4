"""``check_health`` answers the same report on every store: the database and the artifact
storage, each ``ok`` here, with how long the check took."""

from __future__ import annotations

from runway_core import __version__
from runway_core.schemas import ProjectCreate
from runway_core.store import Store


def test_a_working_store_reports_both_parts_ok(store: Store) -> None:
    store.create_project(ProjectCreate(name="p"))  # a store in use, not only a fresh one
    report = store.check_health()
    assert (report.status, report.version) == ("ok", __version__)
    assert sorted(report.checks) == ["artifacts", "database"]
    assert all(c.status == "ok" and c.error is None for c in report.checks.values())
    assert all(c.seconds >= 0 for c in report.checks.values())
