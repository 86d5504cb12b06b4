"""Nobody locks everyone out, against a real ``runway server --auth``: the last enabled server
admin cannot be disabled (REST or CLI), a project's last admin can neither leave nor be demoted,
and ``runway user enable NAME`` lets a disabled user back in."""

from __future__ import annotations

from pathlib import Path

import httpx

from runway_core.schemas.auth import UserCreate
from runway_core.store.sql import SqlStore
from tests.auth.test_cli import cli
from tests.conftest import start_server


def test_the_last_admins_stay_and_a_disabled_user_is_enabled_again(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'team.db'}"
    store = SqlStore(db, artifacts_uri=str(tmp_path / "artifacts"))
    store.create_user(UserCreate(name="ada", admin=True))
    store.create_user(UserCreate(name="bob"))
    tokens = {name: store.create_token(name).token for name in ("ada", "bob")}
    store.close()
    server = start_server(tmp_path, backend_uri=db, env={"RUNWAY_AUTH": "true"})
    try:
        ada, bob = (
            httpx.Client(
                base_url=server.url + "/api/v1",
                headers={"Authorization": f"Bearer {tokens[name]}"},
                timeout=30,
            )
            for name in ("ada", "bob")
        )
        # The only server admin disables itself: refused, over REST and with the CLI.
        refused = ada.post("/users/ada/disable")
        assert refused.status_code == 409, refused.text
        assert "last enabled server admin" in refused.json()["error"]["message"]
        out = cli("user", "disable", "ada", "--backend-uri", db, cwd=tmp_path)
        assert out.returncode == 1 and "Traceback" not in out.stderr
        assert out.stderr.strip().splitlines() == [
            "error: user 'ada' is the last enabled server admin; make another user a server "
            "admin first (runway user create NAME --admin)"
        ]
        assert ada.get("/whoami").json()["user"] == "ada"  # still in

        # A project's only admin can neither leave nor step down.
        project = bob.post("/projects", json={"name": "bobs"}).json()["id"]
        members = f"/projects/{project}/members"
        leave = bob.delete(f"{members}/bob")
        assert leave.status_code == 409 and "last admin" in leave.json()["error"]["message"]
        assert bob.put(f"{members}/bob", json={"role": "write"}).status_code == 409
        assert bob.get(f"{members}").json()["data"][0]["role"] == "admin"

        # Disabled, then enabled again: with the CLI, and over REST.
        assert ada.post("/users/bob/disable").status_code == 200
        assert bob.get("/whoami").status_code == 401
        out = cli("user", "enable", "bob", "--backend-uri", db, cwd=tmp_path)
        assert out.returncode == 0 and out.stdout.strip() == "user bob enabled", out.stderr
        assert bob.get("/whoami").json()["user"] == "bob"
        assert ada.post("/users/bob/disable").status_code == 200
        enabled = ada.post("/users/bob/enable")
        assert enabled.status_code == 200 and enabled.json()["disabled"] is False
        assert bob.get("/whoami").status_code == 200
        assert bob.post("/users/bob/enable").status_code == 403  # server admins only
        missing = cli("user", "enable", "nobody", "--backend-uri", db, cwd=tmp_path)
        assert missing.stderr.strip().splitlines() == ["error: user 'nobody' not found"]
    finally:
        server.stop()
