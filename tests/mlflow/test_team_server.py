"""MLflow on a team server (``runway server --auth``, two workers, SQLite and PostgreSQL): the
MLflow project exists from start, owned by no one; a third user's reads create nothing; two
users run the same unchanged MLflow script and both succeed, each seeing its runs;
``RUNWAY_MLFLOW_DEFAULT_ROLE=read`` (read at the next start) lets users read it, not write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from runway_core.schemas.auth import UserCreate
from runway_core.store.sql import SqlStore
from tests.conftest import LiveServer, start_server

pytestmark = pytest.mark.e2e

# The same script for every user: what a team's existing MLflow code does.
TRAIN = textwrap.dedent(
    """
    import json, sys
    import mlflow

    mlflow.set_experiment("digits")
    with mlflow.start_run(run_name=sys.argv[1]) as run:
        mlflow.log_params({"C": 0.5, "kernel": "rbf"})
        for step in range(3):
            mlflow.log_metric("loss", 1 / (step + 1), step=step)
    mlflow.set_experiment(experiment_id="0")  # MLflow's default experiment
    with mlflow.start_run(run_name=sys.argv[1] + "-default") as default_run:
        mlflow.log_metric("acc", 0.9)
    client = mlflow.MlflowClient()
    digits = client.get_experiment_by_name("digits").experiment_id
    seen = [r.info.run_id for r in client.search_runs([digits, "0"])]
    print(json.dumps({"mine": [run.info.run_id, default_run.info.run_id], "seen": seen}))
    """
)

# Only reads, as a dashboard or a notebook's first look does.
LOOK = textwrap.dedent(
    """
    import json
    import mlflow

    client = mlflow.MlflowClient()
    names = [e.name for e in client.search_experiments()]
    default = client.get_experiment("0").name
    by_name = client.get_experiment_by_name("Default").experiment_id
    runs = len(client.search_runs(["0"]))
    print(json.dumps({"names": names, "default": default, "by_name": by_name, "runs": runs}))
    """
)


def _mlflow(
    script: str, token: str, server: LiveServer, *args: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": server.url,
        "MLFLOW_TRACKING_TOKEN": token,
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0",
        "MLFLOW_HTTP_REQUEST_TIMEOUT": "30",
    }
    return subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, timeout=120
    )


def _ok(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _snapshot(db: str) -> dict[str, list[Any]]:
    """Every project (with its default role), experiment, membership and run, as rows."""
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return {
                table: sorted(tuple(r) for r in conn.execute(text(query)))
                for table, query in {
                    "projects": "SELECT id, name, default_role FROM projects",
                    "experiments": "SELECT id, project_id, name FROM experiments",
                    "members": "SELECT project_id, user_id, role FROM project_members",
                    "runs": "SELECT id FROM runs",
                }.items()
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_every_user_runs_the_same_mlflow_script_and_reads_create_nothing(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    db = (
        f"sqlite:///{tmp_path / 'team.db'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_uri")
    )
    env = {"RUNWAY_AUTH": "true"}
    server = start_server(tmp_path, backend_uri=db, workers=2, env=env)
    try:
        store = SqlStore(db, artifacts_uri=str(tmp_path / "unused"))
        tokens = {}
        for name in ("alice", "bob", "carol"):
            store.create_user(UserCreate(name=name))
            tokens[name] = store.create_token(name).token
        store.close()

        # The project and its "Default" experiment are there from start, with no admin member.
        before = _snapshot(db)
        assert [(name, role) for _, name, role in before["projects"]] == [("mlflow", "write")]
        assert [name for _, _, name in before["experiments"]] == ["Default"]
        assert before["members"] == [] and before["runs"] == []

        # A third user's first call only reads, and changes nothing: no project, no admin.
        look = _ok(_mlflow(LOOK, tokens["carol"], server))
        assert look == {"names": ["Default"], "default": "Default", "by_name": "0", "runs": 0}
        assert _snapshot(db) == before

        # Two users, one script, one after the other: both succeed, into the shared project.
        alice = _ok(_mlflow(TRAIN, tokens["alice"], server, "alice"))
        bob = _ok(_mlflow(TRAIN, tokens["bob"], server, "bob"))
        assert set(alice["mine"]) <= set(alice["seen"])
        assert set(alice["mine"] + bob["mine"]) == set(bob["seen"])  # each sees its runs
        after = _snapshot(db)
        assert after["projects"] == before["projects"] and after["members"] == []
        assert sorted(name for _, _, name in after["experiments"]) == ["Default", "digits"]
        assert {run_id for (run_id,) in after["runs"]} == set(alice["mine"] + bob["mine"])
        look = _ok(_mlflow(LOOK, tokens["carol"], server))
        assert sorted(look["names"]) == ["Default", "digits"] and look["runs"] == 2
    finally:
        server.stop()

    # The role others get is a setting, applied at the next start: with "read", users see the
    # runs and may not add theirs.
    server = start_server(
        tmp_path, backend_uri=db, env={**env, "RUNWAY_MLFLOW_DEFAULT_ROLE": "read"}
    )
    try:
        assert _ok(_mlflow(LOOK, tokens["carol"], server))["runs"] == 2
        refused = _mlflow(TRAIN, tokens["bob"], server, "bob")
        assert refused.returncode != 0 and "PERMISSION_DENIED" in refused.stderr, refused.stderr
        assert len(_snapshot(db)["runs"]) == 4
        assert _snapshot(db)["projects"][0][2] == "read"
    finally:
        server.stop()
