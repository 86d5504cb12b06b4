"""``runway.Client`` takes ``None`` wherever an argument is optional, meaning "the default"."""

from __future__ import annotations

from pathlib import Path

import runway


def test_none_means_the_default_in_client_methods(sqlite_uri: str, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("n")
    with runway.init(project="p", experiment="e", tracking_uri=sqlite_uri, capture=False) as run:
        run.log({"acc": 0.5})
        run.log_artifact(notes)
    with runway.Client(sqlite_uri) as client:
        assert [r.id for r in client.search_runs(project="p", filter=None)] == [run.id]
        assert [r.id for r in client.search_runs(project="p", filter=None, limit=None)] == [run.id]
        runs = client.search_runs(
            project="p", experiments=None, filter=None, order_by=None, page_token=None
        )
        assert [r.id for r in runs] == [run.id]
        assert [a.path for a in client.list_artifacts(run.id, prefix=None)] == ["notes.txt"]
        assert client.preview_artifact(run.id, "notes.txt", max_bytes=None).text == "n"
        dest = client.download_artifacts(run.id, None, tmp_path / "out")
        assert (dest / "notes.txt").read_text() == "n"
        assert [p.name for p in client.list_projects(search=None)] == ["p"]
