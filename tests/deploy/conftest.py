"""Deployment fixtures: SeaweedFS (shared with tests/artifacts), a ``runway server`` started with
any flags, and the registry of secrets the no-secrets-in-logs test greps for."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from runway_core.processes import ServerProcess, free_port, server_command, start, stop, wait_ready
from tests.artifacts.conftest import weed  # noqa: F401  (the session's SeaweedFS S3 server)


def serve(
    tmp_path: Path,
    backend_uri: str,
    artifacts_uri: str,
    *,
    workers: int = 1,
    log_level: str = "warning",
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> ServerProcess:
    """``runway server`` with extra ``args``, its output in ``<tmp>/server-<port>.log``; returns
    once ``/healthz`` answers 200."""
    port = free_port()
    cmd = [
        *server_command(
            "127.0.0.1", port, backend_uri, artifacts_uri, workers=workers, log_level=log_level
        ),
        *args,
    ]
    log_path = tmp_path / f"server-{port}.log"
    proc = start(cmd, env, log_path=log_path)
    server = ServerProcess(f"http://127.0.0.1:{port}", backend_uri, artifacts_uri, proc, log_path)
    try:
        wait_ready(proc, f"{server.url}/healthz", "runway server", log_path=log_path)
    except BaseException:
        stop(proc)
        raise
    return server


@dataclass
class SecretRegistry:
    """Every secret a scenario used, with what it was, to look for in logs afterwards.

    A test registers each secret the moment it makes or uses one (``secrets.add(token, "API
    token of alice")``), so adding a kind of secret to a scenario is one line.
    """

    known: dict[str, str] = field(default_factory=dict)

    def add(self, value: str, what: str) -> str:
        if len(value) < 8:
            raise ValueError(f"{what}: too short to grep for without false alarms")
        self.known[value] = what
        return value

    def new(self, what: str) -> str:
        """A fresh, unmistakable secret value, registered."""
        slug = re.sub(r"[^a-z0-9]+", "-", what.lower()).strip("-")
        return self.add(f"{slug}-{uuid.uuid4().hex}", what)

    def found_in(self, text: str) -> list[str]:
        """What each secret found in ``text`` was: the whole value, or its first 16 characters
        (a log that cut a value short still leaked it; a masked hint shows only the end)."""
        leaks = []
        for value, what in self.known.items():
            if value in text or (len(value) >= 24 and value[:16] in text):
                leaks.append(what)
        return leaks


@pytest.fixture
def log_secrets() -> SecretRegistry:
    return SecretRegistry()
