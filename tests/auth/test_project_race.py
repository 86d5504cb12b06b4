"""Two users creating the same new project at the same moment, against a real ``runway server
--auth`` on PostgreSQL with 2 workers: one of them gets the project and is its only admin; the
other is refused as for any project it holds no role in (409: the name is taken, said as
without a race) and stores nothing.

Each race fires both requests from their own threads released together by a barrier, many
races per test, through ``POST /api/v1/writes`` (``create_run`` naming the new project, as the
SDK does) and ``POST /api/v1/projects``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from runway_core.errors import NotFound
from runway_core.schemas.auth import UserCreate
from runway_core.store.sql import SqlStore
from tests.conftest import LiveServer
from tests.runway_core.stores import SECRET_KEY

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

USERS = ("alice", "bob")
WRITE_RACES = 30
PROJECT_RACES = 12
TIMEOUT = 30.0  # per request: a stuck server fails the test instead of hanging it


@pytest.fixture
def team_server(
    tmp_path: Path, pg_uri: str, live_server_factory: Callable[..., LiveServer]
) -> Iterator[tuple[LiveServer, SqlStore, dict[str, str]]]:
    store = SqlStore(pg_uri, artifacts_uri=str(tmp_path / "artifacts"), secret_key=SECRET_KEY)
    tokens = {}
    for name in USERS:
        store.create_user(UserCreate(name=name))
        tokens[name] = store.create_token(name).token
    server = live_server_factory(
        backend_uri=pg_uri,
        artifacts_uri=str(tmp_path / "artifacts"),
        workers=2,
        env={"RUNWAY_AUTH": "true", "RUNWAY_SECRET_KEY": SECRET_KEY},
    )
    try:
        yield server, store, tokens
    finally:
        store.close()


def _race(
    server: LiveServer, tokens: dict[str, str], send: Callable[[httpx.Client, str], Any]
) -> dict[str, Any]:
    """Both users' requests, released together; each user's answer."""
    barrier = threading.Barrier(len(USERS), timeout=TIMEOUT)

    def one(user: str) -> Any:
        headers = {"Authorization": f"Bearer {tokens[user]}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=TIMEOUT) as client:
            client.get("/api/v1/whoami").raise_for_status()  # connected before the start line
            barrier.wait()
            return send(client, user)

    with ThreadPoolExecutor(len(USERS)) as pool:
        futures = {user: pool.submit(one, user) for user in USERS}
        return {user: future.result(timeout=2 * TIMEOUT) for user, future in futures.items()}


def _admins(store: SqlStore, name: str) -> list[tuple[str, str]]:
    project = store.get_project_by_name(name)
    return [(m.user, m.role) for m in store.list_project_members(project.id)]


def test_one_of_two_users_creating_a_project_by_writes_gets_it(
    team_server: tuple[LiveServer, SqlStore, dict[str, str]],
) -> None:
    server, store, tokens = team_server
    for _ in range(WRITE_RACES):
        name = f"race-{uuid.uuid4().hex[:10]}"
        run_ids = {user: uuid.uuid4().hex for user in USERS}

        def send(
            client: httpx.Client, user: str, name: str = name, run_ids: dict[str, str] = run_ids
        ) -> httpx.Response:
            run_id = run_ids[user]
            start = {"id": run_id, "project": name, "experiment": "e", "params": {"who": user}}
            metrics = {"metrics": {"loss": {"values": [1.0, 0.5]}}}
            writes = [
                {"op": "create_run", "run_id": run_id, "run": start},
                {"op": "metrics", "run_id": run_id, "batch": metrics},
            ]
            return client.post("/api/v1/writes", json={"writes": writes})

        answers = _race(server, tokens, send)
        statuses = {user: r.status_code for user, r in answers.items()}
        winners = [user for user, code in statuses.items() if code == 200]
        assert len(winners) == 1, (name, statuses, [r.text[:200] for r in answers.values()])
        (winner,) = winners
        (loser,) = set(USERS) - {winner}
        assert all(r["status"] == 200 for r in answers[winner].json()["data"])
        # The name is taken: said as without a race.
        assert statuses[loser] == 409, answers[loser].text
        message = answers[loser].json()["error"]["message"]
        assert message.startswith(f"project {name!r} exists and you have no role in it"), message
        assert _admins(store, name) == [(winner, "admin")]
        assert store.get_run(run_ids[winner]).params == {"who": winner}
        with pytest.raises(NotFound):
            store.get_run(run_ids[loser])  # nothing of the loser's was stored


def test_one_of_two_users_creating_a_project_by_name_gets_it(
    team_server: tuple[LiveServer, SqlStore, dict[str, str]],
) -> None:
    server, store, tokens = team_server
    for _ in range(PROJECT_RACES):
        name = f"race-{uuid.uuid4().hex[:10]}"

        def send(client: httpx.Client, user: str, name: str = name) -> httpx.Response:
            return client.post("/api/v1/projects", json={"name": name, "description": user})

        answers = _race(server, tokens, send)
        statuses = {user: r.status_code for user, r in answers.items()}
        winners = [user for user, code in statuses.items() if code == 201]
        assert len(winners) == 1, (name, statuses)
        (winner,) = winners
        (loser,) = set(USERS) - {winner}
        assert statuses[loser] == 409, answers[loser].text  # a name taken, as without a race
        assert _admins(store, name) == [(winner, "admin")]
        assert store.get_project_by_name(name).description == winner
