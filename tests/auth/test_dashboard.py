"""The dashboard against a server with ``--auth``: it asks for a token, keeps it in that browser
session only (another session, or RUNWAY_TOKEN of the dashboard's process, does not get it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from runway_core.schemas import ProjectCreate
from runway_core.schemas.auth import UserCreate
from runway_core.store.sql import SqlStore
from tests.ui.conftest import APP
from tests.ui.helpers import no_exception, table

pytestmark = pytest.mark.e2e


def test_the_dashboard_asks_each_session_for_its_token(
    live_server_factory: Callable[..., object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from streamlit.testing.v1 import AppTest

    server = live_server_factory(env={"RUNWAY_AUTH": "true"})
    store = SqlStore(server.backend_uri)  # type: ignore[attr-defined]
    store.create_user(UserCreate(name="ada"))
    project = store.create_project(ProjectCreate(name="digits"))
    store.set_project_member(project.id, "ada", "read")
    token = store.create_token("ada").token
    store.close()
    monkeypatch.setenv("RUNWAY_TRACKING_URI", server.url)  # type: ignore[attr-defined]
    monkeypatch.setenv("RUNWAY_TOKEN", token)  # the dashboard's own: never lent to a session

    def session() -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=30)
        at.query_params.update({"page": "projects"})
        return at.run()

    first = session()
    no_exception(first)
    assert any("API token" in w.value for w in first.warning)
    first.text_input(key="runway.token.input").input(token)
    [sign_in] = [b for b in first.button if b.label == "Sign in"]
    sign_in.click().run()
    no_exception(first)
    # Its project and the shared MLflow project (every user's, by default).
    assert sorted(table(first)["project"]) == ["digits", "mlflow"]

    second = session()  # another browser: asked again
    assert any("API token" in w.value for w in second.warning)
