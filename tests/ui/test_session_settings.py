"""The dashboard finds its store with the one tracking-URI resolver, like the SDK and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from runway.ui import session
from runway_core.errors import InvalidInput


def test_tracking_uri_is_resolved_like_everywhere_else(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUNWAY_TRACKING_URI", "runs/runway.db")
    # Absolute: the dashboard's pages do not depend on the folder it was started from.
    assert session.tracking_uri() == f"sqlite:///{tmp_path.resolve() / 'runs' / 'runway.db'}"
    monkeypatch.setenv("RUNWAY_TRACKING_URI", "http://tracker.internal:5000/")
    assert session.tracking_uri() == "http://tracker.internal:5000"
    monkeypatch.setenv("RUNWAY_TRACKING_URI", "tracker.internal:5000")
    with pytest.raises(InvalidInput, match=r"use http://tracker\.internal:5000"):
        session.tracking_uri()
    monkeypatch.delenv("RUNWAY_TRACKING_URI")
    assert session.tracking_uri() == f"sqlite:///{tmp_path.resolve() / 'runway.db'}"
