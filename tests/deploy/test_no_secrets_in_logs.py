"""No secret reaches the server's log: a full scenario against a real ``runway server --auth``
(PostgreSQL, SeaweedFS, trace log level, access log on), then the whole log is searched for every
secret the scenario used — the secret key, the database password, API tokens (good, wrong,
revoked, in a query string, pasted into a path or a field by their owner or another user, also
percent-encoded), credential secrets as created and as rotated, secrets inside refused and
failing requests. The answers to requests carrying a token where it does not belong never
repeat it either, nor do Prometheus' labels.

Each secret is registered in ``log_secrets`` where the scenario makes it; a new kind of secret
(the auth branch's API tokens) is one ``log_secrets.add(token, "…")`` line.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from runway_core.cli import CORE_COMMANDS, register_commands
from tests.artifacts.conftest import ACCESS_KEY, SECRET_KEY, Weed

from .conftest import SecretRegistry, serve

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.s3]

API = "/api/v1"
CLI = register_commands(CORE_COMMANDS)


def runway(*args: str) -> str:
    """A ``runway`` command (in this process: its output is not the server's log)."""
    done = CliRunner().invoke(CLI, list(args))
    assert done.exit_code == 0, done.output
    return done.stdout


def new_token(backend: str, user: str, secrets: SecretRegistry, what: str) -> str:
    made = runway("token", "create", user, "--backend-uri", backend)
    return secrets.add(made.strip().splitlines()[-1], what)


def _scenario(url: str, backend: str, secrets: SecretRegistry) -> str:
    """Everything a team does with secrets, good requests and bad, on one project; returns the
    admin's token."""
    runway("user", "create", "ada", "--admin", "--backend-uri", backend)
    admin = new_token(backend, "ada", secrets, "admin's API token")
    revoked = new_token(backend, "ada", secrets, "revoked API token")
    runway("token", "revoke", revoked, "--backend-uri", backend)
    wrong = secrets.new("made-up API token")
    for bad in (revoked, wrong):
        answer = httpx.get(f"{url}{API}/projects", headers={"authorization": f"Bearer {bad}"})
        assert answer.status_code == 401, answer.text
    query_token = new_token(backend, "ada", secrets, "API token in a query string")
    runway("user", "create", "bob", "--backend-uri", backend)
    bob = new_token(backend, "bob", secrets, "bob's API token")
    pasted = new_token(backend, "ada", secrets, "API token pasted into a path")
    # The same token as a client may send it percent-encoded; the server decodes it to the token.
    encoded = secrets.add("%72" + pasted[1:].replace("_", "%5F"), "percent-encoded API token")
    c = httpx.Client(base_url=url + API, headers={"authorization": f"Bearer {admin}"}, timeout=30)
    with c:
        pid = c.post("/projects", json={"name": "leaks"}).json()["id"]
        eid = c.post(f"/projects/{pid}/experiments", json={"name": "e"}).json()["id"]
        run_id = c.post("/runs", json={"experiment_id": eid}).json()["id"]
        creds = f"/projects/{pid}/credentials"

        # The bucket's real keys as the project's S3 credential: an upload works.
        secrets.add(SECRET_KEY, "S3 secret access key")
        s3 = {"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY}
        made = c.post(creds, json={"name": "artifacts", "kind": "s3", "secrets": s3})
        assert made.status_code == 201, made.text
        s3_id = made.json()["id"]
        assert c.put(f"/runs/{run_id}/artifacts/a.txt", content=b"one").status_code == 201

        # Rotated to a wrong secret: S3 refuses the upload (an error path through boto3).
        wrong = secrets.new("rotated S3 secret")
        rotated = c.put(f"{creds}/{s3_id}", json={"secrets": {**s3, "secret_access_key": wrong}})
        assert rotated.status_code == 200, rotated.text
        refused = c.put(f"/runs/{run_id}/artifacts/b.txt", content=b"two")
        assert refused.status_code == 403, refused.text

        github = secrets.new("github token")
        gh = c.post(creds, json={"name": "gh", "kind": "github", "secrets": {"token": github}})
        assert gh.status_code == 201, gh.text
        gh_new = secrets.new("rotated github token")
        assert c.put(f"{creds}/{gh.json()['id']}", json={"secrets": {"token": gh_new}}).is_success
        generic = secrets.new("generic credential password")
        body = {"name": "db", "kind": "generic", "secrets": {"password": generic}}
        assert c.post(creds, json=body).status_code == 201
        assert c.get(creds).status_code == 200

        # Refused requests carrying secrets: wrong kind, wrong types, broken JSON, too long.
        bad_kind = secrets.new("secret in a refused kind")
        body = {"name": "x", "kind": "nope", "secrets": {"token": bad_kind}}
        assert c.post(creds, json=body).status_code == 400
        bad_type = secrets.new("secret next to a bad value")
        body = {"name": "y", "kind": "generic", "secrets": {"a": bad_type, "b": {"nested": 1}}}
        assert c.post(creds, json=body).status_code == 400
        cut = secrets.new("secret in broken JSON")
        broken = json.dumps({"name": "z", "kind": "github", "secrets": {"token": cut}})[:-2]
        assert c.post(creds, content=broken).status_code == 400
        too_long = secrets.new("secret in an oversized string") + "x" * 70_000
        body = {"name": "w", "kind": "generic", "secrets": {"k": too_long}}
        assert c.post(creds, json=body).status_code == 413
        # A token in a query string, as a browser or a careless client sends it.
        got = c.get("/projects", params={"token": query_token, "access_token": query_token})
        assert got.status_code == 200
        _token_in_paths_and_fields(c, url, pasted, encoded, {"authorization": f"Bearer {bob}"})
        scraped = c.get(f"{url}/metrics")  # Prometheus labels hold no token either
        assert scraped.status_code == 200 and secrets.found_in(scraped.text) == []
    return admin


def _token_in_paths_and_fields(
    c: httpx.Client, url: str, pasted: str, encoded: str, bob: dict[str, str]
) -> None:
    """A whole token pasted where an id, a name or a value belongs: refused, and the answer
    never repeats it (the log is searched for it afterwards)."""
    answers = []
    for headers in ({}, bob):  # its owner (the client's own header), then another user
        for path in (f"/tokens/{pasted}", f"/tokens/{encoded}"):
            answer = c.delete(path, headers=headers)
            assert answer.status_code in (403, 404), answer.text
            answers.append(answer)
    answers += [
        c.get(f"/runs/{pasted}"),
        c.get(f"/no-such-route/{pasted}"),
        c.post("/projects", json={"name": "p", "primary_metric_goal": pasted}),
        c.get(f"{url}/api/2.0/mlflow/runs/get", params={"run_id": pasted}),
        c.get(f"{url}/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": pasted}),
    ]
    for answer in answers:
        assert 400 <= answer.status_code < 500, answer.text
        assert pasted not in answer.text and pasted[:16] not in answer.text, answer.text


def test_a_full_scenario_leaves_no_secret_in_the_log(
    tmp_path: Path, pg_uri: str, weed: Weed, log_secrets: SecretRegistry
) -> None:
    key = log_secrets.add(Fernet.generate_key().decode(), "RUNWAY_SECRET_KEY")
    password = log_secrets.new("database password")
    # PostgreSQL here trusts local connections, so a password in the URI is accepted as given.
    backend = pg_uri.replace("postgres@", f"postgres:{password}@", 1)
    assert password in backend
    env = {"RUNWAY_SECRET_KEY": key}
    args = ("--auth", "--access-log")
    server = serve(tmp_path, backend, weed.uri("leaks"), log_level="trace", args=args, env=env)
    try:
        admin = _scenario(server.url, backend, log_secrets)
    finally:
        server.stop()

    # The same database with another key: stored credentials cannot be decrypted, a server
    # error that is logged (once) — without the old key, the new one or any secret.
    other = log_secrets.add(Fernet.generate_key().decode(), "second RUNWAY_SECRET_KEY")
    env = {"RUNWAY_SECRET_KEY": other}
    server2 = serve(tmp_path, backend, weed.uri("leaks"), log_level="trace", args=args, env=env)
    try:
        headers = {"authorization": f"Bearer {admin}"}
        with httpx.Client(base_url=server2.url + API, headers=headers, timeout=30) as c:
            pid = c.get("/projects/by-name/leaks").json()["id"]
            failing = c.get(f"/projects/{pid}/credentials")
            run = c.get("/runs", params={"project_id": pid}).json()["runs"][0]["id"]
            upload = c.put(f"/runs/{run}/artifacts/c.txt", content=b"three")
    finally:
        server2.stop()
    assert failing.status_code in (200, 500)  # listing shows masked hints only
    assert upload.status_code == 500, upload.text
    assert upload.json()["error"]["code"] == "SERVER_MISCONFIGURED"

    logs = "\n".join(p.read_text(errors="replace") for p in sorted(tmp_path.glob("server-*.log")))
    # The log is the real thing: one access line per request, the server error.
    assert 'GET /api/v1/projects?… HTTP/1.1" 200' in logs
    assert "SERVER_MISCONFIGURED" in logs
    assert log_secrets.found_in(logs) == []
    assert len(log_secrets.known) == 19  # the scenario ran to its end
