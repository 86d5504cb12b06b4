"""Artifacts and credentials through a real ``runway server`` process, on local disk and S3."""

from __future__ import annotations

import io
import socket
import tarfile
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet

import runway
from runway_core.errors import Forbidden, InvalidInput
from runway_core.store.http import HttpStore
from tests.artifacts.conftest import ACCESS_KEY, BACKENDS, SECRET_KEY, Weed, database_bytes
from tests.conftest import LiveServer, start_server

API = "/api/v1"
MiB = 1024 * 1024


@dataclass
class Served:
    backend: str
    server: LiveServer
    root: Path | None
    weed: Weed | None
    prefix: str
    db_uri: str

    def object_count(self) -> int:
        if self.root is not None:
            objects = self.root / "objects"
            return sum(1 for p in objects.rglob("*") if p.is_file()) if objects.exists() else 0
        assert self.weed is not None
        return len(self.weed.keys(f"{self.prefix}/objects/"))

    def temp_count(self) -> int:
        if self.root is not None:
            tmp = self.root / "tmp"
            return len(list(tmp.iterdir())) if tmp.exists() else 0
        assert self.weed is not None
        return len(self.weed.keys(f"{self.prefix}/tmp/"))


@pytest.fixture(
    scope="module",
    params=[*BACKENDS, pytest.param("local-pg", marks=pytest.mark.postgres)],
)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """A server per backend: local disk or S3 on SQLite, and local disk on PostgreSQL."""
    backend, _, db = str(request.param).partition("-")
    tmp = tmp_path_factory.mktemp(f"served-{request.param}")
    prefix = f"api-{uuid.uuid4().hex[:10]}"
    weed: Weed | None = None
    root: Path | None = None
    if backend == "s3":
        weed = request.getfixturevalue("weed")
        uri = weed.uri(prefix, multipart_threshold_mb="5")
    else:
        root = tmp / "artifacts"
        uri = str(root)
    env = {"RUNWAY_SECRET_KEY": Fernet.generate_key().decode()}
    db_uri = request.getfixturevalue("module_pg_uri") if db else f"sqlite:///{tmp / 'server.db'}"
    server = start_server(tmp, backend_uri=db_uri, artifacts_uri=uri, env=env)
    yield Served(backend, server, root, weed, prefix, db_uri)
    server.stop()


@dataclass
class Ctx:
    served: Served
    http: httpx.Client
    project_id: str
    run_id: str

    def new_run(self) -> str:
        exps = self.http.post(f"{API}/projects/{self.project_id}/experiments", json={"name": "e"})
        exp_id = exps.json()["id"] if exps.status_code == 201 else self._exp_id()
        return str(self.http.post(f"{API}/runs", json={"experiment_id": exp_id}).json()["id"])

    def _exp_id(self) -> str:
        body = self.http.get(f"{API}/projects/{self.project_id}/experiments").json()
        return str(body["data"][0]["id"])


@pytest.fixture
def ctx(served: Served) -> Iterator[Ctx]:
    with httpx.Client(base_url=served.server.url, timeout=60) as http:
        project = http.post(f"{API}/projects", json={"name": f"p-{uuid.uuid4().hex[:8]}"})
        assert project.status_code == 201, project.text
        c = Ctx(served, http, project.json()["id"], "")
        if served.backend == "s3":
            cred = http.post(
                f"{API}/projects/{c.project_id}/credentials",
                json={"name": "artifacts", "kind": "s3",
                      "secrets": {"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY}},
            )  # fmt: skip
            assert cred.status_code == 201, cred.text
        c.run_id = c.new_run()
        yield c


def _gen(data: bytes, chunk: int = 64 * 1024) -> Iterator[bytes]:
    for i in range(0, len(data), chunk):
        yield data[i : i + chunk]


def test_upload_list_tree_download_preview(ctx: Ctx) -> None:
    base = f"{API}/runs/{ctx.run_id}/artifacts"
    text = b"epoch,loss\n" + b"1,0.5\n" * 20000  # 120 KB, streamed in chunks
    up = ctx.http.put(f"{base}/logs/train.csv", content=_gen(text))
    assert up.status_code == 201, up.text
    assert up.json()["size"] == len(text) and up.json()["media_type"] == "text/csv"
    big = bytes(range(256)) * (12 * MiB // 256)  # above the S3 multipart threshold (5 MiB)
    assert ctx.http.put(f"{base}/model/w.bin", content=_gen(big, MiB)).status_code == 201
    listing = ctx.http.get(base).json()
    assert [a["path"] for a in listing["data"]] == ["logs/train.csv", "model/w.bin"]
    assert [(n["name"], n["is_dir"]) for n in listing["tree"]] == [("logs", True), ("model", True)]
    assert listing["tree"][1]["children"][0]["size"] == len(big)
    with ctx.http.stream("GET", f"{base}/model/w.bin") as down:
        assert down.status_code == 200
        assert down.headers["content-length"] == str(len(big))
        assert b"".join(down.iter_bytes()) == big
        assert down.headers["content-type"] == "application/octet-stream"
    csv = ctx.http.get(f"{base}/logs/train.csv")
    assert csv.content == text and csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"] == "attachment; filename*=UTF-8''train.csv"
    preview = ctx.http.get(f"{API}/runs/{ctx.run_id}/preview/logs/train.csv?max_bytes=100").json()
    assert preview["is_text"] and preview["truncated"] and preview["text"].startswith("epoch,loss")
    assert len(preview["text"]) == 100
    binary = ctx.http.get(f"{API}/runs/{ctx.run_id}/preview/model/w.bin").json()
    assert binary["is_text"] is False and binary["text"] is None


def test_diff_endpoint_text_and_binary(ctx: Ctx) -> None:
    run_b = ctx.new_run()
    for run, cfg, blob in (
        (ctx.run_id, b"lr: 0.1\nbs: 32\n", b"\x00" * 10),
        (run_b, b"lr: 0.2\nbs: 32\n", b"\x00" * 11),
    ):
        assert (
            ctx.http.put(f"{API}/runs/{run}/artifacts/config.yaml", content=cfg).status_code == 201
        )
        assert ctx.http.put(f"{API}/runs/{run}/artifacts/m.bin", content=blob).status_code == 201
    q = {"run_a": ctx.run_id, "path_a": "config.yaml", "run_b": run_b}
    diff = ctx.http.get(f"{API}/artifacts/diff", params=q).json()
    assert diff["identical"] is False and "-lr: 0.1\n+lr: 0.2\n" in diff["diff"]
    binary = ctx.http.get(f"{API}/artifacts/diff", params={**q, "path_a": "m.bin"}).json()
    assert binary["binary"] is True and binary["message"] == "binary, sizes and hashes differ"
    assert (
        binary["size_a"] == 10
        and binary["size_b"] == 11
        and binary["sha256_a"] != binary["sha256_b"]
    )
    missing = ctx.http.get(f"{API}/artifacts/diff", params={**q, "path_a": "nope"})
    assert missing.status_code == 404


def test_archive_members_and_links(ctx: Ctx) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        info = tarfile.TarInfo("conf/a.json")
        info.size = 2
        tf.addfile(info, io.BytesIO(b"{}"))
    r = ctx.http.put(
        f"{API}/runs/{ctx.run_id}/artifacts/bundle.tgz?kind=archive", content=buf.getvalue()
    )
    assert r.status_code == 201 and r.json()["kind"] == "archive"
    members = ctx.http.get(f"{API}/runs/{ctx.run_id}/archive/bundle.tgz").json()
    assert members["data"] == [{"name": "conf/a.json", "size": 2, "is_dir": False}]
    one = ctx.http.get(
        f"{API}/runs/{ctx.run_id}/archive/bundle.tgz", params={"member": "conf/a.json"}
    )
    assert one.status_code == 200 and one.content == b"{}"
    gone = ctx.http.get(f"{API}/runs/{ctx.run_id}/archive/bundle.tgz", params={"member": "x"})
    assert gone.status_code == 404 and gone.json()["error"]["field"] == "member"
    link = ctx.http.post(
        f"{API}/runs/{ctx.run_id}/artifacts/data/train", json={"uri": "s3://datasets/train/v3/"}
    )
    assert link.status_code == 201 and link.json()["kind"] == "link"
    bad = ctx.http.post(f"{API}/runs/{ctx.run_id}/artifacts/data/x", json={"uri": "nope"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "uri"


@pytest.mark.parametrize(
    "raw_path",
    ["%2E%2E/%2E%2E/escape.txt", "a/%2E%2E/%2E%2E/b", "/etc/passwd", "a%00b", "..%5C..%5Cx"],
)
def test_bad_paths_get_400_and_nothing_is_written(ctx: Ctx, raw_path: str) -> None:
    before = ctx.served.object_count()
    url = f"{ctx.served.server.url}{API}/runs/{ctx.run_id}/artifacts/{raw_path}"
    r = ctx.http.put(httpx.URL(url), content=b"payload")
    assert r.status_code == 400, r.text
    assert r.json()["error"]["field"] == "path"
    assert ctx.served.object_count() == before
    assert ctx.http.get(f"{API}/runs/{ctx.run_id}/artifacts").json()["count"] == 0
    if ctx.served.root is not None:
        assert not (ctx.served.root.parent / "escape.txt").exists()


def test_cut_off_upload_leaves_no_half_file(ctx: Ctx) -> None:
    before = ctx.served.object_count()
    host, port = ctx.served.server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        head = (
            f"PUT {API}/runs/{ctx.run_id}/artifacts/half.bin HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {40 * MiB}\r\n\r\n"
        )
        sock.sendall(head.encode())
        for _ in range(12):  # 12 MiB of the promised 40, then the client vanishes
            sock.sendall(b"\x07" * MiB)
    deadline = time.monotonic() + 20
    while ctx.served.temp_count() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ctx.served.temp_count() == 0
    assert ctx.served.object_count() == before
    assert ctx.http.get(f"{API}/runs/{ctx.run_id}/artifacts").json()["count"] == 0
    assert "Traceback" not in ctx.served.server.log()


def test_http_store_streams_files_folders_and_archives(ctx: Ctx, tmp_path: Path) -> None:
    store = HttpStore(ctx.served.server.url)
    folder = tmp_path / "out"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("alpha\n")
    (folder / "sub" / "b.txt").write_text("beta\n")
    logged = store.log_artifacts(ctx.run_id, folder, "out")
    assert [a.path for a in logged] == ["out/a.txt", "out/sub/b.txt"]
    zpath = tmp_path / "x.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("inner/readme.md", "# hi\n")
    store.log_artifact(ctx.run_id, "x.zip", zpath, kind="archive")
    assert [m.name for m in store.list_archive(ctx.run_id, "x.zip")] == ["inner/readme.md"]
    with store.open_archive_member(ctx.run_id, "x.zip", "inner/readme.md") as f:
        assert f.read() == b"# hi\n"
    with store.open_artifact(ctx.run_id, "out/sub/b.txt") as f:
        assert f.read() == b"beta\n"
    assert store.preview_artifact(ctx.run_id, "out/a.txt").text == "alpha\n"
    assert store.diff_artifacts(ctx.run_id, "out/a.txt", ctx.run_id, "out/sub/b.txt").diff
    store.link_artifact(ctx.run_id, "code", "git+https://github.com/acme/x@3f2a9c1")
    assert {a.path for a in store.list_artifacts(ctx.run_id, prefix="out")} == {
        "out/a.txt",
        "out/sub/b.txt",
    }
    with pytest.raises(InvalidInput):
        store.log_artifact(ctx.run_id, "../x", io.BytesIO(b"x"))
    store.close()


def test_secrets_never_stored_or_logged_in_clear(ctx: Ctx) -> None:
    secrets = {
        "s3": {
            "access_key_id": "AKIAQWERTYUIOPASDFGH",
            "secret_access_key": "s3-SECRET-9f8e7d6c5b4a",
        },
        "github": {"token": "ghp_GITHUBSECRET1234567890abcdef"},
        "generic": {"api_key": "GENERIC-SECRET-abcdef123456", "user": "bob"},
    }
    seen: list[str] = []
    for kind, values in secrets.items():
        r = ctx.http.post(
            f"{API}/projects/{ctx.project_id}/credentials",
            json={"name": f"c-{kind}", "kind": kind, "secrets": values},
        )
        assert r.status_code == 201, r.text
        seen.append(r.text)
    listing = ctx.http.get(f"{API}/projects/{ctx.project_id}/credentials")
    seen.append(listing.text)
    one = listing.json()["data"][0]
    seen.append(ctx.http.get(f"{API}/projects/{ctx.project_id}/credentials/{one['id']}").text)
    # A bad request that carries a secret must not echo or log it either.
    bad = {"secret_access_key": secrets["s3"]["secret_access_key"]}
    refused = ctx.http.post(
        f"{API}/projects/{ctx.project_id}/credentials",
        json={"name": "c-bad", "kind": "s3", "secrets": bad},
    )
    assert (
        refused.status_code == 400 and refused.json()["error"]["field"] == "secrets.access_key_id"
    )
    seen.append(refused.text)
    hints = {c["name"]: c["hint"] for c in listing.json()["data"]}
    assert hints["c-s3"] == "AKIA…DFGH" and hints["c-github"] == "ghp_…cdef"
    db_bytes = database_bytes(ctx.served.db_uri)
    assert b"c-github" in db_bytes  # the right file: the credential rows are in it
    log = ctx.served.server.log()
    for values in secrets.values():
        for key, secret in values.items():
            if key in ("user",):
                continue
            for where, text in (("api answers", "\n".join(seen)), ("server log", log)):
                assert secret not in text, f"{secret} found in {where}"
            assert secret.encode() not in db_bytes, f"{secret} found in the database file"


def test_wrong_s3_key_is_a_clear_403_naming_the_credential(served: Served, tmp_path: Path) -> None:
    if served.backend != "s3":
        pytest.skip("S3 keys only matter on the S3 backend; test_store covers the rest")
    project = f"wrong-{uuid.uuid4().hex[:6]}"
    with httpx.Client(base_url=served.server.url, timeout=60) as http:
        pid = http.post(f"{API}/projects", json={"name": project}).json()["id"]
        http.post(
            f"{API}/projects/{pid}/credentials",
            json={"name": "artifacts", "kind": "s3",
                  "secrets": {"access_key_id": ACCESS_KEY, "secret_access_key": "not-the-key"}},
        )  # fmt: skip
        exp = http.post(f"{API}/projects/{pid}/experiments", json={"name": "e"}).json()["id"]
        run = http.post(f"{API}/runs", json={"experiment_id": exp}).json()["id"]
        r = http.put(f"{API}/runs/{run}/artifacts/a.txt", content=b"hello")
    assert r.status_code == 403, r.text
    err = r.json()["error"]
    assert "credential 'artifacts'" in err["message"] and err["field"] == "credential"
    assert "Traceback" not in served.server.log()
    with pytest.raises(Forbidden, match="credential 'artifacts'"):
        HttpStore(served.server.url).log_artifact(run, "b.txt", io.BytesIO(b"x"))
    # A big body: the server answers 403 before reading it all; the client still gets the 403.
    big = tmp_path / "big.bin"
    big.write_bytes(b"\x01" * (12 * MiB))
    with pytest.raises(Forbidden, match="credential 'artifacts'"):
        HttpStore(served.server.url).log_artifact(run, "big.bin", big)
    # What a training script sees: the SDK raises the same error, naming the credential.
    sdk_run = runway.init(project, "e", tracking_uri=served.server.url, capture=False)
    with pytest.raises(Forbidden, match="credential 'artifacts'"):
        sdk_run.log_artifact(big)
    sdk_run.finish()


def test_uploads_are_exempt_from_the_json_body_limit(sqlite_uri: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from runway.api.app import create_app
    from runway_core.config import Settings

    settings = Settings(
        backend_uri=sqlite_uri, artifacts_uri=str(tmp_path / "a"), max_body_bytes=1024
    )
    with TestClient(create_app(settings)) as http:
        pid = http.post(f"{API}/projects", json={"name": "p"}).json()["id"]
        exp = http.post(f"{API}/projects/{pid}/experiments", json={"name": "e"}).json()["id"]
        run = http.post(f"{API}/runs", json={"experiment_id": exp}).json()["id"]
        up = http.put(f"{API}/runs/{run}/artifacts/big.bin", content=b"x" * 100_000)
        assert up.status_code == 201 and up.json()["size"] == 100_000
        too_big = http.post(f"{API}/runs/{run}/tags", json={"tags": {"k": "v" * 5000}})
        assert too_big.status_code == 413
