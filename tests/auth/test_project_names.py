"""Project names are shared by everyone on a server: a user logging into (or creating) a project
whose name another user's project holds is told so — "exists and you have no role in it" — from
the SDK and the HTTP store, never a misleading "not found", and nothing of theirs is stored."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from runway_core.errors import AlreadyExists
from runway_core.schemas import ProjectCreate, RunSearch
from runway_core.schemas.auth import UserCreate
from runway_core.store.http import HttpStore
from runway_core.store.sql import SqlStore
from tests.conftest import start_server

pytestmark = pytest.mark.e2e

TRAIN = textwrap.dedent(
    """
    import runway
    with runway.init(project="vision", experiment="resnet") as run:
        run.log({"loss": 0.5}, step=1)
    """
)
TAKEN = "project 'vision' exists and you have no role in it"


def test_a_project_name_taken_by_another_user_is_named_as_the_cause(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'team.db'}"
    server = start_server(tmp_path, backend_uri=db, env={"RUNWAY_AUTH": "true"})
    try:
        store = SqlStore(db, artifacts_uri=str(tmp_path / "unused"))
        tokens = {}
        for name in ("alice", "bob"):
            store.create_user(UserCreate(name=name))
            tokens[name] = store.create_token(name).token

        def train(who: str) -> subprocess.CompletedProcess[str]:
            env = {
                **os.environ,
                "RUNWAY_TRACKING_URI": server.url,
                "RUNWAY_TOKEN": tokens[who],
                "RUNWAY_SPOOL_DIR": str(tmp_path / f"spool-{who}"),
            }
            return subprocess.run(
                [sys.executable, "-c", TRAIN],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                env=env,
                timeout=120,
            )

        first = train("alice")
        assert first.returncode == 0 and "refused" not in first.stderr, first.stderr
        second = train("bob")  # the same script, another user: the name is alice's project's
        assert TAKEN in second.stderr and "ask its admin" in second.stderr, second.stderr
        assert "not found" not in second.stderr, second.stderr
        project = store.get_project_by_name("vision")
        assert len(store.search_runs(RunSearch(project_id=project.id)).runs) == 1  # alice's
        assert [m.user for m in store.list_project_members(project.id)] == ["alice"]
        store.close()

        bob = HttpStore(server.url, token=tokens["bob"])
        try:
            with pytest.raises(AlreadyExists, match=TAKEN):
                bob.create_project(ProjectCreate(name="vision"), exist_ok=True)
            with pytest.raises(AlreadyExists, match="shared by everyone on this server"):
                bob.create_project(ProjectCreate(name="vision"))
        finally:
            bob.close()
    finally:
        server.stop()
