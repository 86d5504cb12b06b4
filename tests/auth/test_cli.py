"""``runway user …`` / ``runway token …`` on the database of a running ``runway server --auth``,
and the SDK, ``runway.Client`` and the CLI sending ``RUNWAY_TOKEN`` to it (real processes)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from runway_core.cli import CORE_COMMANDS, register_commands
from runway_core.errors import Unauthorized
from runway_core.processes import free_port
from tests.conftest import start_server

APP = register_commands(CORE_COMMANDS)
TOKEN_LINE = re.compile(r"^rwt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$")


def in_process(*args: str) -> Result:
    """The ``runway`` command run in this process (the same commands, no interpreter start)."""
    return CliRunner().invoke(APP, list(args))


def cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runway.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def python(
    script: str, *args: str, cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={**os.environ, **env},
    )


def test_tokens_made_and_revoked_on_the_database_of_a_running_server(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'team.db'}"
    server = start_server(tmp_path, backend_uri=db, env={"RUNWAY_AUTH": "true"})
    try:
        made = in_process("user", "create", "ada", "--admin", "--backend-uri", db)
        assert made.exit_code == 0 and "ada created" in made.stdout, made.output
        out = cli("token", "create", "ada", "--expires-in", "7", "--backend-uri", db, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        token = out.stdout.strip().splitlines()[-1]
        assert TOKEN_LINE.match(token), out.stdout

        # Without a token init() fails naming RUNWAY_TOKEN (a 401 is no outage: nothing is
        # spooled); the SDK with RUNWAY_TOKEN writes directly.
        script = textwrap.dedent(
            """
            import sys, runway
            with runway.init(project="team", experiment="e") as run:
                run.log({"loss": float(sys.argv[1])}, step=1)
            """
        )
        base = {"RUNWAY_TRACKING_URI": server.url, "RUNWAY_SPOOL_DIR": str(tmp_path / "spool")}
        with_token = {**base, "RUNWAY_TOKEN": token}
        refused = python(script, "0.9", cwd=tmp_path, env=base)
        assert refused.returncode != 0 and "RUNWAY_TOKEN" in refused.stderr, refused.stderr
        assert not (tmp_path / "spool").exists() or not list((tmp_path / "spool").iterdir())
        direct = python(script, "0.5", cwd=tmp_path, env=with_token)
        assert direct.returncode == 0, direct.stderr

        import runway

        with runway.Client(server.url, token=token) as client:
            runs = client.search_runs("team")
            assert [r.metrics["loss"].last for r in runs] == [0.5]
        with runway.Client(server.url, token="") as anonymous, pytest.raises(Unauthorized):
            anonymous.list_projects()

        listed = in_process("token", "list", "ada", "--backend-uri", db)
        token_id = token.split("_")[1]
        assert listed.exit_code == 0 and token_id in listed.stdout
        assert token not in listed.stdout  # never shown again
        users = in_process("user", "list", "--backend-uri", db)
        assert re.search(r"^ada\tadmin\t", users.stdout, re.M), users.stdout

        revoked = cli("token", "revoke", token, "--backend-uri", db, cwd=tmp_path)
        assert revoked.returncode == 0 and token_id in revoked.stdout
        with (
            runway.Client(server.url, token=token) as client,
            pytest.raises(Unauthorized, match="revoked"),
        ):
            client.list_projects()
        assert "revoked" in in_process("token", "list", "ada", "--backend-uri", db).stdout
        assert token not in server.log()  # the server never logs a token
    finally:
        server.stop()


def test_disabling_a_user_stops_its_tokens_at_once(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'team.db'}"
    in_process("user", "create", "bo", "--backend-uri", db)
    token = in_process("token", "create", "bo", "--backend-uri", db).stdout.split()[-1]
    from fastapi.testclient import TestClient

    from runway.api.app import create_app
    from tests.auth.conftest import auth_settings

    settings = auth_settings(tmp_path)
    settings = settings.model_copy(update={"backend_uri": db})
    with TestClient(create_app(settings)) as client:
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/projects", headers=headers).status_code == 200
        out = in_process("user", "disable", "bo", "--backend-uri", db)
        assert out.exit_code == 0 and "disabled" in out.stdout
        refused = client.get("/api/v1/projects", headers=headers)
        assert refused.status_code == 401 and "disabled" in refused.json()["error"]["message"]


def test_cli_mistakes_are_one_readable_line(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'team.db'}"
    out = cli("token", "create", "nobody", "--backend-uri", db, cwd=tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == ["error: user 'nobody' not found"]
    mistakes = {
        ("user", "create", "two words"): "user name 'two words' is not valid",
        ("token", "revoke", "rwt_not-a-token"): "expected a token",
        ("user", "disable", "nobody"): "user 'nobody' not found",
        ("token", "create", "ok", "--expires-in", "0"): "--expires-in",
    }
    assert in_process("user", "create", "ok", "--backend-uri", db).exit_code == 0
    for args, message in mistakes.items():
        result = in_process(*args, "--backend-uri", db)
        assert result.exit_code != 0, args
        said = getattr(result.exception, "message", "") + result.output
        assert message in said, (args, said)
        assert "rwt_not-a-token" not in said  # a mistyped token is never echoed
    again = in_process("user", "create", "ok", "--backend-uri", db)
    assert "already exists" in getattr(again.exception, "message", "")


def test_a_public_bind_without_auth_refuses_to_start(tmp_path: Path) -> None:
    port = str(free_port())
    out = cli("server", "--host", "0.0.0.0", "--port", port, cwd=tmp_path)
    assert out.returncode == 1
    [line] = out.stderr.strip().splitlines()
    assert "--auth" in line and "--insecure" in line
    assert not (tmp_path / "runway.db").exists()  # refused before touching anything
