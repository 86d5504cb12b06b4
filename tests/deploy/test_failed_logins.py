"""The failed-login limit against a real ``runway server --auth`` (SQLite, the default limit of 20
a minute): a valid token is never refused for others' failures, a client cannot pick its own
address with ``X-Forwarded-For`` unless the operator named its proxy, and with ``--workers N``
the bound is N times the limit."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from runway_core.processes import ServerProcess
from runway_core.schemas.auth import UserCreate
from runway_core.store.sql import SqlStore

from .conftest import serve

pytestmark = pytest.mark.e2e

Start = Callable[..., tuple[ServerProcess, str]]
LIMIT = 20  # RUNWAY_AUTH_FAILURES_PER_MINUTE's default
BAD = {"authorization": "Bearer rwt_0123456789abcdef_" + "x" * 43}
WHOAMI = "/api/v1/whoami"


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Start]:
    """``start(*args, workers=1)``: a ``runway server --auth`` and a valid token of user ada."""
    started: list[ServerProcess] = []
    backend = f"sqlite:///{tmp_path / 'auth.db'}"
    store = SqlStore(backend)
    store.create_user(UserCreate(name="ada"))
    token = store.create_token("ada").token
    store.close()

    def run(*args: str, workers: int = 1) -> tuple[ServerProcess, str]:
        artifacts = str(tmp_path / "artifacts")
        server = serve(tmp_path, backend, artifacts, workers=workers, args=("--auth", *args))
        started.append(server)
        return server, token

    yield run
    for server in started:
        server.stop()


def test_a_valid_token_passes_after_40_bad_ones_from_its_address(start: Start) -> None:
    server, token = start()
    with httpx.Client(base_url=server.url, timeout=30) as c:
        codes = [c.get(WHOAMI, headers=BAD).status_code for _ in range(40)]
        assert codes == [401] * LIMIT + [429] * (40 - LIMIT)
        ok = c.get(WHOAMI, headers=_bearer(token))
        assert ok.status_code == 200 and ok.json()["user"] == "ada"
        limited = c.get(WHOAMI, headers=BAD)  # the address stays limited for bad ones
        assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 61
        assert "127.0.0.1" in limited.json()["error"]["message"]


def test_x_forwarded_for_from_loopback_is_not_believed_by_default(start: Start) -> None:
    server, _ = start()
    with httpx.Client(base_url=server.url, timeout=30) as c:
        codes = [
            c.get(WHOAMI, headers={**BAD, "x-forwarded-for": f"203.0.113.{i}"}).status_code
            for i in range(40)
        ]
    assert codes == [401] * LIMIT + [429] * (40 - LIMIT)


def test_the_proxies_the_operator_names_are_believed(start: Start) -> None:
    server, token = start("--forwarded-allow-ips", "127.0.0.1")
    with httpx.Client(base_url=server.url, timeout=30) as c:
        # Each forwarded address has its own count: 40 addresses, one guess each, no 429.
        codes = [
            c.get(WHOAMI, headers={**BAD, "x-forwarded-for": f"203.0.113.{i}"}).status_code
            for i in range(40)
        ]
        assert codes == [401] * 40
        one = {**BAD, "x-forwarded-for": "198.51.100.7"}
        codes = [c.get(WHOAMI, headers=one).status_code for _ in range(LIMIT + 1)]
        assert codes == [401] * LIMIT + [429]
        limited = c.get(WHOAMI, headers=one)
        assert "198.51.100.7" in limited.json()["error"]["message"]
        assert c.get(WHOAMI, headers=BAD).status_code == 401  # the proxy's own address: not it
        forwarded = {**_bearer(token), "x-forwarded-for": "198.51.100.7"}
        assert c.get(WHOAMI, headers=forwarded).status_code == 200


def test_with_two_workers_an_address_gets_at_most_twice_the_limit(start: Start) -> None:
    server, token = start(workers=2)
    # A new connection per request, so both workers answer some of them.
    codes = [httpx.get(server.url + WHOAMI, headers=BAD, timeout=30).status_code for _ in range(80)]
    assert set(codes) == {401, 429}
    assert LIMIT <= codes.count(401) <= 2 * LIMIT
    assert httpx.get(server.url + WHOAMI, headers=_bearer(token), timeout=30).status_code == 200


def test_a_malformed_proxy_list_is_refused_in_one_line(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "runway.cli", "server", "--auth", "--forwarded-allow-ips"]
    env_db = ["--backend-uri", f"sqlite:///{tmp_path / 'x.db'}"]
    done = subprocess.run(
        [*cmd, "127.0.0.1,proxy.internal", *env_db], capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "'proxy.internal' is not an IP address" in lines[0], done.stderr
