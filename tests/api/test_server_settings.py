"""The server reads the one ``Settings``; the checks that guard a team server live in the app
factory, so every way of starting the app gets them (``runway server``, ``uvicorn --factory``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runway.api.app import create_app, create_app_from_env
from runway_core.config import Settings, is_loopback
from runway_core.errors import InvalidInput
from tests.conftest import free_port
from tests.runway_core.stores import SECRET_KEY


@pytest.fixture
def server_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """A clean ``RUNWAY_*`` environment on a temporary database; returned for subprocesses."""
    for name in list(os.environ):
        if name.startswith("RUNWAY_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("RUNWAY_BACKEND_URI", f"sqlite:///{tmp_path / 'server.db'}")
    monkeypatch.setenv("RUNWAY_ARTIFACTS_URI", str(tmp_path / "artifacts"))
    monkeypatch.setenv("RUNWAY_SECRET_KEY_FILE", str(tmp_path / "home" / "secret.key"))
    return dict(os.environ)


def test_factory_refuses_server_mode_without_a_key(
    server_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWAY_SERVER_MODE", "true")
    with pytest.raises(InvalidInput, match="RUNWAY_SECRET_KEY is required") as info:
        create_app_from_env()
    assert info.value.field == "secret_key"
    with pytest.raises(InvalidInput, match="RUNWAY_SECRET_KEY is required"):
        create_app(Settings(server_mode=True))


def test_factory_refuses_a_malformed_key_at_start(
    server_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWAY_SERVER_MODE", "true")
    monkeypatch.setenv("RUNWAY_SECRET_KEY", "not-a-key")
    with pytest.raises(InvalidInput, match="RUNWAY_SECRET_KEY") as info:
        create_app_from_env()
    assert "not-a-key" not in info.value.message  # the refused value is not repeated


def test_factory_in_server_mode_with_a_key_serves(
    server_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNWAY_SERVER_MODE", "true")
    monkeypatch.setenv("RUNWAY_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("RUNWAY_MAX_BODY_BYTES", "1000")
    with TestClient(create_app_from_env()) as client:
        assert client.get("/healthz").status_code == 200
        too_big = client.post("/api/v1/projects", content=b'{"name": "' + b"x" * 2000 + b'"}')
        assert too_big.status_code == 413  # RUNWAY_MAX_BODY_BYTES reached the app
        project = client.post("/api/v1/projects", json={"name": "p"}).json()
        created = client.post(
            f"/api/v1/projects/{project['id']}/credentials",
            json={"name": "gh", "kind": "github", "secrets": {"token": "ghp_abcdefgh12345678"}},
        )
        assert created.status_code == 201, created.text
    # The server's key encrypted it: the embedded default's key file was never created.
    assert not Path(server_env["RUNWAY_SECRET_KEY_FILE"]).exists()


def test_uvicorn_factory_refuses_server_mode_without_a_key(server_env: dict[str, str]) -> None:
    """What ``uvicorn --factory`` runs, started without ``runway server``'s own check."""
    env = {**server_env, "RUNWAY_SERVER_MODE": "true"}
    cmd = [
        sys.executable, "-m", "uvicorn", "runway.api.app:create_app_from_env", "--factory",
        "--host", "127.0.0.1", "--port", str(free_port()),
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("uvicorn served an app in server mode without RUNWAY_SECRET_KEY")
    assert proc.returncode != 0
    assert "RUNWAY_SECRET_KEY is required" in proc.stderr + proc.stdout


def run_server_command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "runway.cli", "server", "--port", str(free_port()), *args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"runway server {' '.join(args)} started instead of refusing")


def test_a_public_bind_needs_a_key_whatever_runway_server_mode_says(
    server_env: dict[str, str],
) -> None:
    for value in ("false", "0", ""):
        env = {**server_env, "RUNWAY_SERVER_MODE": value}
        proc = run_server_command(env, "--host", "0.0.0.0", "--auth")
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 1, proc.stderr
        assert len(lines) == 1 and "RUNWAY_SECRET_KEY is required" in lines[0], proc.stderr


def test_runway_server_mode_turns_it_on_for_a_loopback_bind(server_env: dict[str, str]) -> None:
    env = {**server_env, "RUNWAY_SERVER_MODE": "true"}
    proc = run_server_command(env, "--host", "127.0.0.1")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        line for line in proc.stderr.strip().splitlines() if "RUNWAY_SECRET_KEY is required" in line
    ]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True), ("127.8.0.1", True), ("localhost", True), ("::1", True),
        ("[::1]", True), ("0.0.0.0", False), ("::", False), ("10.0.0.5", False),
        ("tracker.internal", False),
    ],
)  # fmt: skip
def test_which_binds_are_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
