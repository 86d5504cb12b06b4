"""``schemathesis run --checks all`` against a real ``runway server`` on SQLite and PostgreSQL: no
server errors and no response that contradicts the OpenAPI document.

The server is seeded first (a project, experiment, run with metrics, an artifact, a credential)
and those ids are given to schemathesis, so operations reach their logic instead of answering 404;
deletes get ids of their own. The case count is printed in the pytest summary.

With ``--auth`` (SQLite), schemathesis sends a server admin's token and its own checks of the
bearer scheme the document declares (``ignored_auth``: a request without the token, or with a
wrong one, must be refused).
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from runway_core.schemas.auth import UserCreate
from runway_core.store.sql import SqlStore
from tests.conftest import LiveServer

from .conftest import API, FUZZ_SUMMARY

pytestmark = pytest.mark.e2e

# Cases per operation and phase, per backend. Validation and the schema are the same on both;
# what differs is storage, which PostgreSQL's smaller share still reaches for every operation.
# RUNWAY_FUZZ_EXAMPLES sets both (e.g. 50 for a long local hunt).
MAX_EXAMPLES = {
    "sqlite": int(os.environ.get("RUNWAY_FUZZ_EXAMPLES", "25")),
    "postgresql": int(os.environ.get("RUNWAY_FUZZ_EXAMPLES", "10")),
}
# The run with --auth (SQLite only) probes each operation's auth too: fewer cases.
AUTH_EXAMPLES = max(1, MAX_EXAMPLES["sqlite"] // 2)
SEED = int(os.environ.get("RUNWAY_FUZZ_SEED", "20261"))

# Where JSON Schema cannot state a rule the server enforces, a schema-valid request may get a
# 400 that names the rule: a filter or order_by that does not parse (a grammar), an opaque page
# token, parallel metric arrays of different lengths, secrets a credential kind lacks, a search
# with neither project_id nor experiment_ids (the query form cannot say "one of"). Only these
# operations accept a 400 for schema-valid data; every other check applies to them unchanged.
SEMANTIC_400 = [
    ("POST", "/api/v1/runs/search"),
    ("GET", "/api/v1/runs"),
    ("POST", "/api/v1/runs/{run_id}/metrics"),
    ("POST", "/api/v1/projects/{project_id}/credentials"),
    ("PUT", "/api/v1/credentials/{credential_id}"),
    # A sweep spec's rules span its keys (grid needs values, bounds in order, a budget…).
    ("POST", "/api/v1/sweeps"),
    # A stopped sweep stays stopped (409); a trial beats only for its worker (409).
    ("PUT", "/api/v1/sweeps/{sweep_id}/status"),
    ("POST", "/api/v1/trials/{run_id}/heartbeat"),
]


def _seed(url: str, headers: dict[str, str]) -> dict[str, str]:
    with httpx.Client(base_url=url + API, headers=headers, timeout=30) as c:

        def post(path: str, body: Any) -> dict[str, Any]:
            r = c.post(path, json=body)
            assert r.status_code == 201, r.text
            return dict(r.json())

        ids: dict[str, str] = {}
        for suffix in ("", "_doomed"):
            p = post("/projects", {"name": f"fuzz{suffix}", "primary_metric": "acc"})
            e = post(f"/projects/{p['id']}/experiments", {"name": "e"})
            body = {"experiment_id": e["id"], "params": {"lr": 0.1}, "tags": {"t": "x"}}
            run = post("/runs", body)
            cred = post(
                f"/projects/{p['id']}/credentials",
                {"name": "gh", "kind": "github", "secrets": {"token": "ghp_x"}},
            )
            ids |= {
                f"project{suffix}": p["id"],
                f"experiment{suffix}": e["id"],
                f"run{suffix}": run["id"],
                f"credential{suffix}": cred["id"],
            }
        spec = {
            "method": "grid",
            "metric": {"name": "acc", "goal": "maximize"},
            "parameters": {"lr": {"values": [0.1, 0.01]}},
        }
        ids["sweep"] = post("/sweeps", {"experiment_id": ids["experiment"], "spec": spec})["id"]
        # A user and a token of their own for the operations that disable and revoke: the
        # fuzzer reuses names and ids it has seen, and must not lock out the one it runs as.
        ids["user_doomed"] = post("/users", {"name": "doomed"})["name"]
        ids["token_doomed"] = post("/users/doomed/tokens", {})["id"]
        metrics = {"metrics": {"acc": {"values": [0.5, 0.7]}, "loss": {"values": [1.0, 0.5]}}}
        assert c.post(f"/runs/{ids['run']}/metrics", json=metrics).status_code == 200
        assert c.put(f"/runs/{ids['run']}/artifacts/notes.txt", content=b"hi\n").status_code == 201
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w:gz") as tar:
            info = tarfile.TarInfo("a.txt")
            info.size = 2
            tar.addfile(info, io.BytesIO(b"a\n"))
        r = c.put(
            f"/runs/{ids['run']}/artifacts/code.tar.gz",
            params={"kind": "archive"},
            content=archive.getvalue(),
        )
        assert r.status_code == 201, r.text
        return ids


def _config(ids: dict[str, str]) -> str:
    def table(values: dict[str, str]) -> str:
        return "{ " + ", ".join(f'"{k}" = "{v}"' for k, v in values.items()) + " }"

    live = {
        "path.project_id": ids["project"],
        "path.experiment_id": ids["experiment"],
        "path.run_id": ids["run"],
        "path.credential_id": ids["credential"],
        "path.sweep_id": ids["sweep"],
    }
    doomed = {
        "path.project_id": ids["project_doomed"],
        "path.experiment_id": ids["experiment_doomed"],
        "path.run_id": ids["run_doomed"],
        "path.credential_id": ids["credential_doomed"],
        "path.token_id": ids["token_doomed"],
    }
    lines = [
        "[checks.negative_data_rejection]",
        # 413 is this API's answer to a request over a documented count limit (maxItems).
        'expected-statuses = ["400", "404", "405", "409", "413"]',
        "[parameters]\n" + "\n".join(f'"{k}" = "{v}"' for k, v in live.items()),
        # Deletes work on resources of their own, so the others last the whole run.
        "[[operations]]",
        'include-method = "DELETE"',
        f"parameters = {table(doomed)}",
        "[[operations]]",
        'include-path = "/api/v1/users/{name}/disable"',
        f"parameters = {table({'path.name': ids['user_doomed']})}",
    ]
    for method, path in SEMANTIC_400:
        lines += [
            "[[operations]]",
            f'include-method = "{method}"',
            f'include-path = "{path}"',
            "[operations.checks.positive_data_acceptance]",
            'expected-statuses = ["2xx", "400", "404", "409"]',
        ]
    return "\n".join(lines) + "\n"


def _schemathesis(
    server: LiveServer, workdir: Path, max_examples: int, token: str | None = None
) -> tuple[int, str, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    ids = _seed(server.url, headers)
    config = workdir / "schemathesis.toml"
    config.write_text(_config(ids))
    report = workdir / "report.json"
    cmd = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--no-color",
        "--config-file",
        str(config),
        "run",
        f"{server.url}/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(max_examples),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--request-timeout",
        "30",
        *(("--header", f"Authorization: Bearer {token}") if token else ()),
    ]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=600)
    data = json.loads(report.read_text()) if report.exists() else {}
    return proc.returncode, proc.stdout + proc.stderr, data


def _case_count(output: str) -> int:
    found = re.search(r"Test cases:\s*\n?\s*(\d+) generated", output)
    return int(found.group(1)) if found else -1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    backend: str,
    request: pytest.FixtureRequest,
    live_server_factory: Callable[..., LiveServer],
    tmp_path: Path,
) -> None:
    uri = request.getfixturevalue("sqlite_uri" if backend == "sqlite" else "pg_uri")
    server = live_server_factory(backend_uri=uri)
    code, output, _report = _schemathesis(server, tmp_path, MAX_EXAMPLES[backend])
    cases = _case_count(output)
    line = (
        f"schemathesis on {backend}: {cases} cases (max {MAX_EXAMPLES[backend]} per operation),"
        f" exit {code} (seed {SEED})"
    )
    request.config.stash.setdefault(FUZZ_SUMMARY, []).append(line)
    assert code == 0 and cases > 0, f"{line}\n{output[-20000:]}"
    assert "Traceback" not in server.log(), server.log()[-5000:]


def test_schemathesis_with_auth_finds_no_server_error_and_no_schema_violation(
    request: pytest.FixtureRequest,
    live_server_factory: Callable[..., LiveServer],
    sqlite_uri: str,
    tmp_path: Path,
) -> None:
    store = SqlStore(sqlite_uri)
    store.create_user(UserCreate(name=f"fuzz-admin-{uuid.uuid4().hex[:8]}", admin=True))
    token = store.create_token(store.list_users()[0].name).token
    store.close()
    # Schemathesis sends wrong tokens on purpose (ignored_auth): no 429 in its way.
    env = {"RUNWAY_AUTH": "true", "RUNWAY_AUTH_FAILURES_PER_MINUTE": "1000000"}
    server = live_server_factory(backend_uri=sqlite_uri, env=env)
    code, output, _report = _schemathesis(server, tmp_path, AUTH_EXAMPLES, token)
    cases = _case_count(output)
    refused = _answers_with_status(server.url, token, "401")
    line = (
        f"schemathesis on sqlite with --auth: {cases} cases, exit {code}, "
        f"{refused} probes without a valid token refused with 401 (seed {SEED})"
    )
    request.config.stash.setdefault(FUZZ_SUMMARY, []).append(line)
    assert code == 0 and cases > 0, f"{line}\n{output[-20000:]}"
    # Its auth checks ran: it took the bearer scheme from the document and sent requests
    # without the token and with a wrong one (each refused, or the run would have failed).
    assert refused > 0, line
    assert "Traceback" not in server.log(), server.log()[-5000:]


def _answers_with_status(url: str, token: str, status: str) -> int:
    """How many answers of ``status`` the server gave, from its Prometheus counters."""
    scraped = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert scraped.status_code == 200, scraped.text
    pattern = rf'^runway_http_requests_total{{[^}}]*status="{status}"[^}}]*}} (\S+)$'
    return sum(int(float(n)) for n in re.findall(pattern, scraped.text, re.MULTILINE))
