"""An app with authentication on, over a real SQLite database, and the people who call it.

``team`` holds one user per role a test needs, each with a real token from the store:
``reader``, ``writer`` and ``padmin`` (read, write and admin in the project of a ``world``),
``outsider`` (admin of another project only) and ``root`` (a server admin); plus tokens that
must not work: ``bad`` (well-formed, never issued), ``revoked``, ``expired`` and ``disabled``.
"""

from __future__ import annotations

import hashlib
import io
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from runway.api.app import create_app
from runway_core.config import Settings
from runway_core.models import ApiToken
from runway_core.schemas import (
    CredentialCreate,
    ExperimentCreate,
    MetricBatch,
    ProjectCreate,
    RunCreate,
)
from runway_core.schemas.auth import UserCreate
from runway_core.schemas.sweep import SweepCreate
from runway_core.store.sql import SqlStore
from tests.runway_core.stores import SECRET_KEY

ROLE_USERS = ("reader", "writer", "padmin")
TEXT = b"line one\nline two\n"
SWEEP_SPEC = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "min"},
    "parameters": {"i": {"values": [1, 2, 3]}},
}
TRIAL_WORKER = "worker-1"


@dataclass
class Team:
    tokens: dict[str, str | None]  # principal -> token (None: no Authorization header)

    def headers(self, who: str) -> dict[str, str]:
        token = self.tokens[who]
        return {} if token is None else {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    """One project with one of everything, its members holding each role."""

    project_id: str
    project_name: str
    experiment_id: str
    experiment_name: str
    run_id: str
    credential_id: str
    text_sha256: str
    sweep_id: str
    trial_run_id: str  # a trial of the sweep, claimed by TRIAL_WORKER


def auth_settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        backend_uri=f"sqlite:///{tmp_path / 'auth.db'}",
        artifacts_uri=str(tmp_path / "artifacts"),
        secret_key=SECRET_KEY,
        auth=True,
        **extra,  # type: ignore[arg-type]
    )


def make_team(store: SqlStore) -> Team:
    tokens: dict[str, str | None] = {"none": None, "bad": "rwt_0123456789abcdef_" + "x" * 43}
    for name in (*ROLE_USERS, "outsider"):
        store.create_user(UserCreate(name=name))
        tokens[name] = store.create_token(name).token
    store.create_user(UserCreate(name="root", admin=True))
    tokens["root"] = store.create_token("root").token
    store.create_user(UserCreate(name="leaver"))
    revoked = store.create_token("leaver")
    store.revoke_token(revoked.id)
    tokens["revoked"] = revoked.token
    expired = store.create_token("leaver", expires_in_days=1)
    with store.engine.begin() as conn:
        conn.execute(update(ApiToken).where(ApiToken.id == expired.id).values(expires_at=1))  # type: ignore[arg-type]
    tokens["expired"] = expired.token
    store.create_user(UserCreate(name="gone"))
    tokens["disabled"] = store.create_token("gone").token
    store.disable_user("gone")
    other = store.create_project(ProjectCreate(name="outsiders-own"))
    store.set_project_member(other.id, "outsider", "admin")
    return Team(tokens)


def make_world(store: SqlStore) -> World:
    tag = uuid.uuid4().hex[:8]
    project = store.create_project(ProjectCreate(name=f"p-{tag}", primary_metric="loss"))
    for user, role in zip(ROLE_USERS, ("read", "write", "admin"), strict=True):
        store.set_project_member(project.id, user, role)  # type: ignore[arg-type]
    exp = store.create_experiment(project.id, ExperimentCreate(name=f"e-{tag}"))
    run = store.create_run(RunCreate(experiment_id=exp.id, params={"lr": 0.1}, tags={"t": "v"}))
    store.log_metrics(
        run.id, MetricBatch.model_validate({"metrics": {"loss": {"values": [1.0, 0.5]}}})
    )
    store.log_artifact(run.id, "a.txt", io.BytesIO(TEXT))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("inside.txt", "hi")
    archive.seek(0)
    store.log_artifact(run.id, "a.zip", archive, kind="archive")
    cred = store.create_credential(
        project.id, CredentialCreate(name="c", kind="generic", secrets={"token": "s3cr3t"})
    )
    sweep = store.create_sweep(SweepCreate(experiment_id=exp.id, spec=SWEEP_SPEC))
    trial = store.claim_next_trial(sweep.id, TRIAL_WORKER)
    assert trial is not None
    return World(
        project_id=project.id,
        project_name=project.name,
        experiment_id=exp.id,
        experiment_name=exp.name,
        run_id=run.id,
        credential_id=cred.id,
        text_sha256=hashlib.sha256(TEXT).hexdigest(),
        sweep_id=sweep.id,
        trial_run_id=trial.run_id,
    )


@dataclass
class AuthApp:
    app: FastAPI
    client: TestClient
    store: SqlStore
    team: Team


@pytest.fixture(scope="module")
def auth_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthApp]:
    """One app per test module (auth on, failed logins unlimited: the matrix sends many)."""
    tmp = tmp_path_factory.mktemp("auth")
    settings = auth_settings(tmp, auth_failures_per_minute=1_000_000)
    store = SqlStore(
        settings.backend_uri, artifacts_uri=settings.artifacts_uri, secret_key=SECRET_KEY
    )
    app = create_app(settings, store=store)
    with TestClient(app) as client:
        yield AuthApp(app, client, store, make_team(store))
    store.close()
