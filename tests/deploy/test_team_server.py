"""docs/serving.md ("Serving a team"), followed step by step on PostgreSQL and SeaweedFS with
``--auth --workers 2``: the first admin and a token made with the CLI on the database; a script
with ``RUNWAY_TOKEN`` logs a run with an artifact through the SDK; the bytes land in the bucket
and the index in the database; ``/healthz`` is ok; ``/metrics`` counts the requests whichever
worker answers the scrape."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import textwrap
import uuid
from pathlib import Path

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from runway_core.store.http import HttpStore
from tests.artifacts.conftest import ACCESS_KEY, SECRET_KEY, Weed

from .conftest import serve

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.s3]

TRAIN = textwrap.dedent(
    """
    import sys
    import runway

    run = runway.init(project="digits", experiment="svm", params={"C": 1.0})
    for step in range(5):
        run.log({"loss": 1.0 / (step + 1)})
    run.log_artifact(sys.argv[1], name="model/weights.bin")
    run.finish()
    print(run.id)
    """
)


def runway(*args: str) -> str:
    """The ``runway`` command as docs/serving.md runs it; its stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "runway.cli", *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _requests_counted(metrics_text: str, method: str, route: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if (
                sample.name == "runway_http_requests_total"
                and sample.labels.get("method") == method
                and sample.labels.get("route") == route
            ):
                total += sample.value
    return total


def test_team_server_on_postgres_and_s3_with_two_workers(
    tmp_path: Path, pg_uri: str, weed: Weed
) -> None:
    prefix = f"team-{uuid.uuid4().hex[:10]}"
    from cryptography.fernet import Fernet

    # -- docs/serving.md: start the server ---------------------------------------------------------
    server_env = {
        "RUNWAY_SECRET_KEY": Fernet.generate_key().decode(),
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,  # the bucket's keys for the whole server
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    server = serve(tmp_path, pg_uri, weed.uri(prefix), workers=2, env=server_env, args=("--auth",))
    try:
        # -- docs/serving.md: the first admin and a token, on the database of the running server ---
        runway("user", "create", "alice", "--admin", "--backend-uri", pg_uri)
        made = runway("token", "create", "alice", "--expires-in", "90", "--backend-uri", pg_uri)
        token = made.strip().splitlines()[-1]
        auth = {"authorization": f"Bearer {token}"}
        assert httpx.get(f"{server.url}/api/v1/projects", timeout=10).status_code == 401

        # -- docs/serving.md: a training script with RUNWAY_TRACKING_URI ---------------------------
        weights = tmp_path / "weights.bin"
        weights.write_bytes(os.urandom(4096))
        sha = hashlib.sha256(weights.read_bytes()).hexdigest()
        script = tmp_path / "train.py"
        script.write_text(TRAIN)
        client_env = {
            **os.environ,
            "RUNWAY_TRACKING_URI": server.url,
            "RUNWAY_TOKEN": token,
            "RUNWAY_SPOOL_DIR": str(tmp_path / "spool"),
            "RUNWAY_SILENT": "true",
        }
        done = subprocess.run(
            [sys.executable, str(script), str(weights)],
            env=client_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        run_id = done.stdout.strip().splitlines()[-1]

        # The bytes are in the bucket under their hash, the index row in PostgreSQL.
        assert f"{prefix}/objects/{sha[:2]}/{sha[2:]}" in weed.keys(f"{prefix}/objects/")
        with psycopg.connect(pg_uri.replace("+psycopg", "")) as conn:
            rows = conn.execute(
                "SELECT path, sha256, size FROM artifacts WHERE run_id = %s AND path = %s",
                (run_id, "model/weights.bin"),
            ).fetchall()
            status = conn.execute("SELECT status FROM runs WHERE id = %s", (run_id,)).fetchone()
        assert rows == [("model/weights.bin", sha, 4096)]
        assert status == ("finished",)
        with HttpStore(server.url, token=token) as store:
            assert store.get_metric_history(run_id, "loss").values == [1.0, 0.5, 1 / 3, 0.25, 0.2]
            assert store.open_artifact(run_id, "model/weights.bin").read() == weights.read_bytes()

        # -- docs/serving.md: /healthz and /metrics ------------------------------------------------
        health = httpx.get(f"{server.url}/healthz", timeout=10)
        assert health.status_code == 200
        assert {k: v["status"] for k, v in health.json()["checks"].items()} == {
            "database": "ok",
            "artifacts": "ok",
        }
        route = "/api/v1/projects"
        assert httpx.get(f"{server.url}/metrics", timeout=10).status_code == 401
        scrape_url = f"{server.url}/metrics"
        before = _requests_counted(httpx.get(scrape_url, headers=auth).text, "GET", route)
        for _ in range(20):  # a new connection each time: both workers answer some
            assert httpx.get(f"{server.url}{route}", headers=auth, timeout=10).status_code == 200
        for _ in range(4):  # whichever worker answers the scrape sees every worker's requests
            scrape = httpx.get(scrape_url, headers=auth, timeout=10).text
            assert _requests_counted(scrape, "GET", route) - before == 20
            assert _requests_counted(scrape, "POST", "/api/v1/writes") >= 1
            assert _requests_counted(scrape, "PUT", "/api/v1/runs/{run_id}/artifacts/{path}") >= 1
        # Both workers write their values to the server's multiprocess folder.
        folder = Path(tempfile.gettempdir()) / f"runway-metrics-{server.process.pid}"
        assert len({p.stem.split("_")[-1] for p in folder.glob("counter_*.db")}) == 2
    finally:
        server.stop()
    assert server.process.returncode is not None
