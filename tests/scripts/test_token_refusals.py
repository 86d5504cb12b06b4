"""A token or role the server refuses is not an outage, against a real ``runway server --auth``:
a bad token fails ``init()`` (``runway.errors.Unauthorized`` naming ``RUNWAY_TOKEN``, nothing
spooled); a token revoked or a role lowered mid-run keeps the writes in the spool with one
warning, and ``runway sync`` with a token and role that work delivers them all."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import runway
from runway_core import tracking
from runway_core.schemas import ProjectCreate
from runway_core.schemas.auth import UserCreate
from runway_core.store.sql import SqlStore
from runway_core.tracking.spool import Spool
from tests.conftest import LiveServer, start_server

from .conftest import run_script


@dataclass
class AuthServer:
    server: LiveServer
    db: str
    tokens: dict[str, str]  # user -> token

    @property
    def url(self) -> str:
        return self.server.url

    def store(self) -> SqlStore:
        return SqlStore(self.db)


@pytest.fixture
def auth_server(tmp_path: Path) -> Iterator[AuthServer]:
    """``root`` (a server admin) and ``bo`` (no role anywhere yet), each with a token."""
    db = f"sqlite:///{tmp_path / 'team.db'}"
    store = SqlStore(db)
    try:
        tokens = {}
        for name, admin in (("root", True), ("bo", False)):
            store.create_user(UserCreate(name=name, admin=admin))
            tokens[name] = store.create_token(name).token
    finally:
        store.close()
    server = start_server(tmp_path, backend_uri=db, env={"RUNWAY_AUTH": "true"})
    try:
        yield AuthServer(server, db, tokens)
    finally:
        server.stop()


def _sync(spool: Path, token: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runway.cli", "sync", "--spool-dir", str(spool)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "RUNWAY_TOKEN": token},
    )


WRONG = "rwt_0123456789abcdef_" + "x" * 43  # well-formed, never issued


def test_a_wrong_or_missing_token_fails_init_and_spools_nothing(
    auth_server: AuthServer, spool_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWAY_TOKEN", WRONG)
    with pytest.raises(runway.errors.Unauthorized, match="refused the API token in RUNWAY_TOKEN"):
        runway.init(project="p", tracking_uri=auth_server.url, capture=False)
    monkeypatch.delenv("RUNWAY_TOKEN")
    with pytest.raises(runway.errors.Unauthorized, match="requires an API token: set RUNWAY_TOKEN"):
        runway.init(project="p", tracking_uri=auth_server.url, capture=False)
    assert runway.active_run() is None
    tracking.flush()
    assert Spool(spool_dir).files() == []
    assert not (spool_dir / "rejected").exists()


def test_a_script_with_a_wrong_token_exits_non_zero(
    auth_server: AuthServer, spool_dir: Path, tmp_path: Path
) -> None:
    done = run_script(
        tmp_path / "train.py",
        """
        import runway
        run = runway.init(project="p", capture=False)
        for i in range(10):
            run.log({"loss": 1.0 / (i + 1)})
        print("trained")
        """,
        env={"RUNWAY_TRACKING_URI": auth_server.url, "RUNWAY_TOKEN": WRONG},
    )
    assert done.returncode != 0 and "trained" not in done.stdout
    assert "runway_core.errors.Unauthorized" in done.stderr and "RUNWAY_TOKEN" in done.stderr
    assert "retried" not in done.stderr and "cannot reach" not in done.stderr
    assert Spool(spool_dir).files() == []


def _refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "runway"]


def test_a_token_revoked_mid_run_keeps_every_point_for_sync(
    auth_server: AuthServer,
    spool_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("RUNWAY_TOKEN", auth_server.tokens["bo"])
    run = runway.init(project="p", tracking_uri=auth_server.url, params={"lr": 0.1}, capture=False)
    for step in range(50):
        run.log({"loss": float(step)}, step=step)
    run.flush()
    store = auth_server.store()
    try:
        store.revoke_token(auth_server.tokens["bo"])
        fresh = store.create_token("bo").token
    finally:
        store.close()
    with caplog.at_level(logging.WARNING, logger="runway"):
        for step in range(50, 100):
            run.log({"loss": float(step)}, step=step)
            if step % 10 == 0:
                run.flush()  # one refused request after another: still one warning
        run.set_tags({"after": "revocation"})
        run.finish()
        tracking.flush()
    warnings = _refusals(caplog)
    assert len(warnings) == 1, warnings
    assert "refused" in warnings[0] and "revoked" in warnings[0]
    assert "RUNWAY_TOKEN" in warnings[0] and "runway sync" in warnings[0]
    assert Spool(spool_dir).files() != [] and not (spool_dir / "rejected").exists()

    synced = _sync(spool_dir, fresh)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert Spool(spool_dir).files() == []
    with runway.Client(auth_server.url, token=fresh) as client:
        stored = client.get_run(run.id)
        assert stored.status.value == "finished"
        assert stored.tags == {"after": "revocation"} and stored.params == {"lr": 0.1}
        assert client.get_metric_history(run.id, "loss").steps == list(range(100))


def test_a_role_lowered_mid_run_keeps_the_writes_for_sync(
    auth_server: AuthServer,
    spool_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    root = runway.Client(auth_server.url, token=auth_server.tokens["root"])
    project = root.store.create_project(ProjectCreate(name="team"))
    root.store.set_project_member(project.id, "bo", "write")
    monkeypatch.setenv("RUNWAY_TOKEN", auth_server.tokens["bo"])
    run = runway.init(project="team", tracking_uri=auth_server.url, capture=False)
    run.log({"acc": 0.1}, step=0)
    run.flush()
    root.store.set_project_member(project.id, "bo", "read")
    with caplog.at_level(logging.WARNING, logger="runway"):
        for step in range(1, 30):
            run.log({"acc": step / 30}, step=step)
            if step % 10 == 0:
                run.flush()
        run.finish()
        tracking.flush()
    warnings = _refusals(caplog)
    assert len(warnings) == 1 and "holds the read role" in warnings[0], warnings
    assert not (spool_dir / "rejected").exists()
    root.store.set_project_member(project.id, "bo", "write")
    synced = _sync(spool_dir, auth_server.tokens["bo"])
    assert synced.returncode == 0, synced.stdout + synced.stderr
    stored = root.get_run(run.id)
    assert stored.status.value == "finished"
    assert root.get_metric_history(run.id, "acc").steps == list(range(30))
    root.close()


def test_a_project_the_token_may_only_read_fails_init(
    auth_server: AuthServer, spool_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with runway.Client(auth_server.url, token=auth_server.tokens["root"]) as root:
        project = root.store.create_project(ProjectCreate(name="team"))
        root.store.set_project_member(project.id, "bo", "read")
        monkeypatch.setenv("RUNWAY_TOKEN", auth_server.tokens["bo"])
        with pytest.raises(runway.errors.Forbidden, match="may only read project 'team'"):
            runway.init(project="team", tracking_uri=auth_server.url, capture=False)
        # A project of its own is fine: it is created with bo as its admin.
        with runway.init(project="mine", tracking_uri=auth_server.url, capture=False) as run:
            run.log({"x": 1.0})
        tracking.flush()
        assert Spool(spool_dir).files() == []
        assert root.get_run(run.id).status.value == "finished"
        assert root.search_runs("team") == []
