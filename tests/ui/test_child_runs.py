"""The Run page's "Child runs" table and orchestrator links (runs an orchestrator such as the
Prefect integration records under a parent run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from runway_core.schemas.writes import RunStart
from runway_core.store.sql import SqlStore
from tests.ui.helpers import no_exception


def test_run_page_lists_child_runs_with_status_duration_retries_and_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_page
) -> None:
    uri = f"sqlite:///{tmp_path / 'runway.db'}"
    monkeypatch.setenv("RUNWAY_TRACKING_URI", uri)
    store = SqlStore(uri)
    url = "http://prefect.test/runs/flow-run/abc"
    parent = store.ensure_run(
        RunStart(
            id="a" * 32,
            project="p",
            experiment="e",
            name="flow-run",
            start_time=1_000,
            tags={"prefect.flow_run_url": url},
        )
    )
    for i, (status, retries) in enumerate([("finished", "0"), ("failed", "2")]):
        store.ensure_run(
            RunStart(
                id=str(i) * 32,
                project="p",
                experiment="e",
                name=f"task-{i}",
                status=status,
                start_time=1_000 + i,
                end_time=3_500 + i,
                parent_run_id=parent.id,
                tags={"prefect.retries": retries, "prefect.task_run_url": f"http://t/{i}"},
            )
        )
    store.close()

    at = open_page("run", run=parent.id)
    no_exception(at)
    assert any(s.value.startswith("Child runs (2)") for s in at.subheader)
    table = next(d.value for d in at.dataframe if "retries" in d.value.columns)
    assert list(table["name"]) == ["task-0", "task-1"]
    assert list(table["status"]) == ["finished", "failed"]
    assert list(table["retries"]) == [0, 2]
    assert list(table["run"]) == ["run?run=" + "0" * 32, "run?run=" + "1" * 32]
    assert list(table["orchestrator"]) == ["http://t/0", "http://t/1"]
    assert f"[Prefect flow run ↗]({url})" in "\n".join(m.value for m in at.markdown)

    child = open_page("run", run="1" * 32)
    no_exception(child)
    assert f"(run?run={parent.id})" in "\n".join(m.value for m in child.markdown)
    assert not any(s.value.startswith("Child runs") for s in child.subheader)
