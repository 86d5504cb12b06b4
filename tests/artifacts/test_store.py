"""The artifact suite, run on local disk and on a real SeaweedFS S3 server (``backend``)."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from runway_core.artifacts import S3Credentials, open_artifact_store
from runway_core.errors import Conflict, Forbidden, InvalidInput, NotFound
from runway_core.schemas import ExperimentCreate, ProjectCreate, RunCreate
from runway_core.store.sql import SqlStore
from tests.artifacts.conftest import (
    ACCESS_KEY,
    SECRET_KEY,
    WITH_POSTGRES,
    ArtifactEnv,
    Weed,
    s3_credential,
)

MiB = 1024 * 1024


class GeneratedStream(io.RawIOBase):
    """``size`` bytes made on the fly (never held whole), optionally failing midway."""

    def __init__(self, size: int, *, fail_after: int | None = None, seed: bytes = b"x"):
        self.size, self.pos, self.fail_after = size, 0, fail_after
        self.block = hashlib.sha256(seed).digest() * (MiB // 32)
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def, override]
        if self.fail_after is not None and self.pos >= self.fail_after:
            raise ConnectionResetError("client went away")
        n = min(len(buffer), self.size - self.pos, len(self.block))
        chunk = self.block[:n]
        buffer[:n] = chunk
        self.digest.update(chunk)
        self.pos += n
        return n


@WITH_POSTGRES
def test_same_bytes_are_stored_once_across_paths_and_runs(art: ArtifactEnv) -> None:
    other_run = art.new_run()
    a = art.store.log_artifact(art.run_id, "model.bin", io.BytesIO(b"weights" * 1000))
    b = art.store.log_artifact(art.run_id, "copy/model.bin", io.BytesIO(b"weights" * 1000))
    c = art.store.log_artifact(other_run, "model.bin", io.BytesIO(b"weights" * 1000))
    assert a.sha256 == b.sha256 == c.sha256 == hashlib.sha256(b"weights" * 1000).hexdigest()
    assert a.size == 7000 and a.uri == f"sha256:{a.sha256}"
    assert len(art.object_keys()) == 1
    assert art.temp_keys() == []
    assert [x.path for x in art.store.list_artifacts(art.run_id)] == ["copy/model.bin", "model.bin"]
    assert [x.path for x in art.store.list_artifacts(other_run)] == ["model.bin"]


@WITH_POSTGRES
def test_relogging_a_path_replaces_its_entry(art: ArtifactEnv) -> None:
    art.store.log_artifact(art.run_id, "config.yaml", io.BytesIO(b"lr: 0.1\n"))
    art.store.log_artifact(art.run_id, "config.yaml", io.BytesIO(b"lr: 0.2\n"))
    listed = art.store.list_artifacts(art.run_id)
    assert len(listed) == 1 and listed[0].size == 8
    assert art.store.open_artifact(art.run_id, "config.yaml").read() == b"lr: 0.2\n"


@WITH_POSTGRES
def test_folder_upload_keeps_relative_paths(art: ArtifactEnv, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    (folder / "ckpt" / "epoch1").mkdir(parents=True)
    (folder / "metrics.json").write_text('{"acc": 0.9}')
    (folder / "ckpt" / "epoch1" / "w.bin").write_bytes(b"\x00\x01" * 100)
    (folder / "ckpt" / "same.bin").write_bytes(b"\x00\x01" * 100)
    logged = art.store.log_artifacts(art.run_id, folder, "outputs")
    assert [a.path for a in logged] == [
        "outputs/ckpt/epoch1/w.bin",
        "outputs/ckpt/same.bin",
        "outputs/metrics.json",
    ]
    assert len(art.object_keys()) == 2  # the two identical files share one object
    sub = art.store.list_artifacts(art.run_id, prefix="outputs/ckpt")
    assert [a.path for a in sub] == ["outputs/ckpt/epoch1/w.bin", "outputs/ckpt/same.bin"]
    assert art.store.open_artifact(art.run_id, "outputs/metrics.json").read() == b'{"acc": 0.9}'


def test_symlink_escaping_the_folder_is_refused_and_nothing_uploaded(
    art: ArtifactEnv, tmp_path: Path
) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("not yours")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.txt").write_text("fine")
    (folder / "inner.txt").symlink_to(folder / "a.txt")  # stays inside: allowed
    (folder / "leak.txt").symlink_to(outside)
    with pytest.raises(InvalidInput, match=r"leak\.txt.*outside"):
        art.store.log_artifacts(art.run_id, folder)
    assert art.store.list_artifacts(art.run_id) == []
    assert art.object_keys() == []
    (folder / "leak.txt").unlink()
    assert [a.path for a in art.store.log_artifacts(art.run_id, folder)] == ["a.txt", "inner.txt"]


@pytest.mark.parametrize(
    "bad",
    ["../escape.txt", "a/../../b", "/etc/passwd", "C:/x", "a\x00b", "..\\..\\x", "", "./.", "a\nb"],
)
def test_bad_paths_are_refused_before_anything_is_written(art: ArtifactEnv, bad: str) -> None:
    with pytest.raises(InvalidInput) as info:
        art.store.log_artifact(art.run_id, bad, io.BytesIO(b"payload"))
    assert info.value.status == 400 and info.value.field == "path"
    assert art.object_keys() == [] and art.store.list_artifacts(art.run_id) == []
    if art.root is not None:
        assert not (art.root.parent / "escape.txt").exists()


@WITH_POSTGRES
def test_paths_are_normalised(art: ArtifactEnv) -> None:
    a = art.store.log_artifact(art.run_id, "./a//b/./c.txt", io.BytesIO(b"x"))
    assert a.path == "a/b/c.txt"
    with pytest.raises(Conflict):  # a file cannot also be a folder
        art.store.log_artifact(art.run_id, "a/b", io.BytesIO(b"x"))


@WITH_POSTGRES
def test_cut_off_upload_leaves_no_object_and_no_entry(art: ArtifactEnv) -> None:
    stream = GeneratedStream(12 * MiB, fail_after=7 * MiB)  # past the S3 multipart threshold
    with pytest.raises(ConnectionResetError):
        art.store.log_artifact(art.run_id, "big.bin", io.BufferedReader(stream))
    assert art.store.list_artifacts(art.run_id) == []
    assert art.object_keys() == []
    assert art.temp_keys() == []


def test_large_file_streams_with_flat_memory(art: ArtifactEnv) -> None:
    size = 200 * MiB if art.backend == "local" else 128 * MiB
    stream = GeneratedStream(size)
    # Warm up (imports, clients) outside the measurement, through the same multipart path.
    art.store.log_artifact(art.run_id, "warm.bin", io.BufferedReader(GeneratedStream(6 * MiB)))
    tracemalloc.start()
    try:
        logged = art.store.log_artifact(art.run_id, "big.bin", io.BufferedReader(stream, MiB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert logged.size == size and logged.sha256 == stream.digest.hexdigest()
    # Local: a chunk or two; S3: the few parts in flight (about 44 MiB measured for 32, 64 and
    # 128 MiB files alike), far below the file's size.
    limit = 8 * MiB if art.backend == "local" else 56 * MiB
    assert peak < limit, f"peak {peak / MiB:.1f} MiB for a {size // MiB} MiB upload"
    # Reading back streams too, and gives the same bytes.
    digest = hashlib.sha256()
    with art.store.open_artifact(art.run_id, "big.bin") as back:
        while chunk := back.read(MiB):
            digest.update(chunk)
    assert digest.hexdigest() == logged.sha256


def test_archives_are_browsable_and_members_downloadable(art: ArtifactEnv) -> None:
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data/train.csv", "x,y\n1,2\n")
        zf.writestr("data/", "")
        zf.writestr("README", "hello")
    tbuf = io.BytesIO()
    with tarfile.open(fileobj=tbuf, mode="w:gz") as tf:
        for name, data in (("src/main.py", b"print(1)\n"), ("src/util.py", b"x = 2\n")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    zbuf.seek(0)
    tbuf.seek(0)
    z = art.store.log_artifact(art.run_id, "data.zip", zbuf, kind="archive")
    t = art.store.log_artifact(art.run_id, "code.tar.gz", tbuf, kind="archive")
    assert z.kind == t.kind == "archive"
    members = {m.name: m for m in art.store.list_archive(art.run_id, "data.zip")}
    assert members["data/train.csv"].size == 8 and members["data/"].is_dir
    assert [m.name for m in art.store.list_archive(art.run_id, "code.tar.gz")] == [
        "src/main.py",
        "src/util.py",
    ]
    with art.store.open_archive_member(art.run_id, "data.zip", "data/train.csv") as f:
        assert f.read() == b"x,y\n1,2\n"
    with art.store.open_archive_member(art.run_id, "code.tar.gz", "src/util.py") as f:
        assert f.read() == b"x = 2\n"
    with pytest.raises(NotFound):
        art.store.open_archive_member(art.run_id, "code.tar.gz", "src/nope.py")
    with pytest.raises(InvalidInput, match="not a zip or tar"):
        art.store.log_artifact(art.run_id, "fake.zip", io.BytesIO(b"plain text"), kind="archive")


@WITH_POSTGRES
def test_linked_artifacts_are_recorded_without_upload(art: ArtifactEnv) -> None:
    links = {
        "data/imagenet": "s3://datasets/imagenet/v2/",
        "code": "git+https://github.com/acme/train@3f2a9c1",
        "paper.pdf": "https://arxiv.org/pdf/1234.5678",
    }
    for path, uri in links.items():
        rec = art.store.link_artifact(art.run_id, path, uri)
        assert rec.kind == "link" and rec.uri == uri and rec.sha256 is None
    assert {a.path: a.uri for a in art.store.list_artifacts(art.run_id)} == links
    assert art.object_keys() == []
    with pytest.raises(InvalidInput, match="is a link"):
        art.store.open_artifact(art.run_id, "code")
    with pytest.raises(InvalidInput) as info:
        art.store.link_artifact(art.run_id, "x", "not a uri")
    assert info.value.field == "uri"


def test_preview_detects_text_and_truncates(art: ArtifactEnv) -> None:
    art.store.log_artifact(art.run_id, "log.txt", io.BytesIO("époch 1 ok\n".encode() * 1000))
    art.store.log_artifact(art.run_id, "w.bin", io.BytesIO(bytes(range(256)) * 10))
    p = art.store.preview_artifact(art.run_id, "log.txt", max_bytes=1000)
    assert p.is_text and p.truncated and p.media_type == "text/plain"
    assert p.text is not None and p.text.startswith("époch 1 ok\n") and len(p.text) < 1000
    b = art.store.preview_artifact(art.run_id, "w.bin")
    assert not b.is_text and b.text is None and not b.truncated and b.size == 2560


@WITH_POSTGRES
def test_diff_of_text_and_binary_artifacts(art: ArtifactEnv) -> None:
    run_b = art.new_run()
    art.store.log_artifact(art.run_id, "config.yaml", io.BytesIO(b"lr: 0.1\nbatch: 32\n"))
    art.store.log_artifact(run_b, "config.yaml", io.BytesIO(b"lr: 0.01\nbatch: 32\n"))
    d = art.store.diff_artifacts(art.run_id, "config.yaml", run_b)
    assert not d.identical and not d.binary
    assert "-lr: 0.1\n+lr: 0.01\n" in d.diff and d.diff.startswith("--- a/config.yaml")
    art.store.log_artifact(art.run_id, "m.bin", io.BytesIO(b"\x00\x01\x02"))
    art.store.log_artifact(run_b, "m.bin", io.BytesIO(b"\x00\x01\x02\x03"))
    bd = art.store.diff_artifacts(art.run_id, "m.bin", run_b)
    assert bd.binary and bd.message == "binary, sizes and hashes differ" and bd.diff == ""
    art.store.log_artifact(run_b, "same.txt", io.BytesIO(b"x\n"))
    same = art.store.diff_artifacts(run_b, "same.txt", run_b, "config.yaml")
    assert not same.identical
    art.store.log_artifact(art.run_id, "same.txt", io.BytesIO(b"x\n"))
    assert art.store.diff_artifacts(art.run_id, "same.txt", run_b).identical
    missing = art.store.diff_artifacts(art.run_id, "m.bin", run_b, "nope.bin")
    assert "missing" in missing.message and not missing.identical


@WITH_POSTGRES
def test_unknown_run_and_path_are_404(art: ArtifactEnv) -> None:
    with pytest.raises(NotFound):
        art.store.log_artifact("0" * 32, "a.txt", io.BytesIO(b"x"))
    with pytest.raises(NotFound):
        art.store.open_artifact(art.run_id, "nothing.txt")
    assert art.object_keys() == []


def test_log_from_a_file_path(art: ArtifactEnv, tmp_path: Path) -> None:
    f = tmp_path / "model.pt"
    f.write_bytes(os.urandom(1000))
    rec = art.store.log_artifact(art.run_id, "model.pt", f)
    assert rec.size == 1000 and rec.sha256 == hashlib.sha256(f.read_bytes()).hexdigest()
    with pytest.raises(InvalidInput, match="folder"):
        art.store.log_artifact(art.run_id, "dir", tmp_path)


@pytest.mark.s3
def test_s3_uses_multipart_above_the_threshold(weed: Weed) -> None:
    store = open_artifact_store(
        weed.uri(f"mp-{os.getpid()}", multipart_threshold_mb="5"),
        s3_credentials=S3Credentials(ACCESS_KEY, SECRET_KEY, name="artifacts"),
    )
    calls: list[str] = []
    client = store.client  # type: ignore[attr-defined]
    client.meta.events.register("before-call.s3.*", lambda model, **_: calls.append(model.name))
    store.put(io.BufferedReader(GeneratedStream(MiB, seed=b"small")))
    assert "PutObject" in calls and "UploadPart" not in calls
    calls.clear()
    sha, size = store.put(io.BufferedReader(GeneratedStream(12 * MiB, seed=b"large")))
    assert calls.count("UploadPart") == 2  # 8 MiB + 4 MiB parts
    assert "CompleteMultipartUpload" in calls
    assert size == 12 * MiB and store.size(sha) == 12 * MiB


@pytest.mark.s3
def test_wrong_s3_key_is_a_403_naming_the_credential(
    weed: Weed, sqlite_uri: str, secret_key: str
) -> None:
    store = SqlStore(sqlite_uri, artifacts_uri=weed.uri(f"wrong-{os.getpid()}"))
    project = store.create_project(ProjectCreate(name="wrong"))
    store.create_credential(project.id, s3_credential(secret="not-the-secret"))
    exp = store.create_experiment(project.id, ExperimentCreate(name="e"))
    run = store.create_run(RunCreate(experiment_id=exp.id))
    with pytest.raises(Forbidden) as info:
        store.log_artifact(run.id, "a.txt", io.BytesIO(b"hello"))
    assert info.value.status == 403 and info.value.field == "credential"
    assert "credential 'artifacts'" in info.value.message
    assert "not-the-secret" not in info.value.message
    assert store.list_artifacts(run.id) == []
    store.close()


@WITH_POSTGRES
def test_deleting_a_run_or_project_keeps_content_shared_with_others(art: ArtifactEnv) -> None:
    """Objects are shared by hash and never deleted with a run: other runs keep their bytes."""
    other_project = art.store.create_project(ProjectCreate(name="other"))
    if art.backend == "s3":
        art.store.create_credential(other_project.id, s3_credential())
    other_exp = art.store.create_experiment(other_project.id, ExperimentCreate(name="e"))
    other_run = art.store.create_run(RunCreate(experiment_id=other_exp.id)).id
    sibling = art.new_run()
    for run in (art.run_id, sibling, other_run):
        art.store.log_artifact(run, "model.bin", io.BytesIO(b"shared weights"))
    art.store.log_artifact(other_run, "only-here.txt", io.BytesIO(b"nobody else has this"))
    assert len(art.object_keys()) == 2
    art.store.delete_run(art.run_id)
    with pytest.raises(NotFound):
        art.store.open_artifact(art.run_id, "model.bin")
    assert art.store.open_artifact(sibling, "model.bin").read() == b"shared weights"
    art.store.delete_project(other_project.id)
    with pytest.raises(NotFound):
        art.store.list_artifacts(other_run)
    assert art.store.open_artifact(sibling, "model.bin").read() == b"shared weights"
    # The deleted project's rows are gone (cascade) but its objects stay: no garbage collection.
    assert len(art.object_keys()) == 2
    restored = art.store.restore_run(art.run_id)
    assert art.store.open_artifact(restored.id, "model.bin").read() == b"shared weights"


def test_refused_archive_or_clashing_path_stores_no_bytes(art: ArtifactEnv) -> None:
    with pytest.raises(InvalidInput, match="not a zip or tar"):
        art.store.log_artifact(art.run_id, "fake.zip", io.BytesIO(b"plain text"), kind="archive")
    art.store.log_artifact(art.run_id, "a/b.txt", io.BytesIO(b"x"))
    with pytest.raises(Conflict):
        art.store.log_artifact(art.run_id, "a", io.BytesIO(b"would be orphaned"))
    assert len(art.object_keys()) == 1 and art.temp_keys() == []
