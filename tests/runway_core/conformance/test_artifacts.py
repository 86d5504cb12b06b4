"""Artifacts behave the same on every store: upload, folders, links, reads, previews, diffs and
archives, and the errors of each (tests/artifacts/ adds S3, streaming and the REST details)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from runway_core.errors import Conflict, InvalidInput, NotFound
from runway_core.schemas import RunCreate
from runway_core.store import Store

MISSING_RUN = "0" * 32


@pytest.fixture
def run_id(store: Store, experiment) -> str:
    return store.create_run(RunCreate(experiment_id=experiment.id)).id


def read(store: Store, run_id: str, path: str) -> bytes:
    with store.open_artifact(run_id, path) as stream:
        return stream.read()


def test_log_get_open_and_list(store: Store, run_id: str, tmp_path: Path) -> None:
    weights = bytes(range(256)) * 40
    logged = store.log_artifact(run_id, "model/weights.bin", io.BytesIO(weights))
    assert (logged.kind, logged.size, logged.run_id) == ("file", len(weights), run_id)
    assert logged.sha256 == hashlib.sha256(weights).hexdigest()
    config = tmp_path / "config.yaml"
    config.write_text("lr: 0.1\n")
    store.log_artifact(run_id, "config.yaml", config)  # a Path
    store.log_artifact(run_id, "./notes//config.txt", str(config))  # a str; path normalised

    assert store.get_artifact(run_id, "model/weights.bin") == logged
    assert store.get_artifact(run_id, "notes/config.txt").size == len(b"lr: 0.1\n")
    assert read(store, run_id, "model/weights.bin") == weights
    assert read(store, run_id, "config.yaml") == b"lr: 0.1\n"
    everything = ["config.yaml", "model/weights.bin", "notes/config.txt"]
    assert [a.path for a in store.list_artifacts(run_id)] == everything
    assert [a.path for a in store.list_artifacts(run_id, prefix="model")] == ["model/weights.bin"]
    assert store.list_artifacts(run_id, prefix="nothing/here") == []


def test_relogging_a_path_replaces_its_entry(store: Store, run_id: str) -> None:
    store.log_artifact(run_id, "metrics.json", io.BytesIO(b'{"acc": 0.1}'))
    second = store.log_artifact(run_id, "metrics.json", io.BytesIO(b'{"acc": 0.9}'))
    assert store.get_artifact(run_id, "metrics.json").sha256 == second.sha256
    assert read(store, run_id, "metrics.json") == b'{"acc": 0.9}'
    assert len(store.list_artifacts(run_id)) == 1


def test_bad_paths_and_kinds_are_refused_and_store_nothing(store: Store, run_id: str) -> None:
    for bad in ("../escape", "/etc/passwd", "a\\b", "", "nul\x00byte"):
        with pytest.raises(InvalidInput) as info:
            store.log_artifact(run_id, bad, io.BytesIO(b"x"))
        assert info.value.field == "path"
        with pytest.raises(InvalidInput):
            store.get_artifact(run_id, bad)
    with pytest.raises(InvalidInput, match="kind"):
        store.log_artifact(run_id, "x.bin", io.BytesIO(b"x"), kind="folder")
    with pytest.raises(InvalidInput, match="not a zip or tar"):
        store.log_artifact(run_id, "fake.zip", io.BytesIO(b"plain text"), kind="archive")
    store.log_artifact(run_id, "model", io.BytesIO(b"a file"))
    with pytest.raises(Conflict, match="clashes"):  # a file cannot also be a folder
        store.log_artifact(run_id, "model/inner.bin", io.BytesIO(b"x"))
    assert [a.path for a in store.list_artifacts(run_id)] == ["model"]


def test_unknown_run_or_path_is_not_found(store: Store, run_id: str, tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x")
    for call in (
        lambda: store.log_artifact(MISSING_RUN, "a.txt", io.BytesIO(b"x")),
        lambda: store.log_artifacts(MISSING_RUN, tmp_path),
        lambda: store.link_artifact(MISSING_RUN, "a", "s3://bucket/key"),
        lambda: store.list_artifacts(MISSING_RUN),
        lambda: store.get_artifact(MISSING_RUN, "a.txt"),
        lambda: store.get_artifact(run_id, "missing.txt"),
        lambda: store.open_artifact(run_id, "missing.txt"),
        lambda: store.preview_artifact(run_id, "missing.txt"),
        lambda: store.list_archive(run_id, "missing.zip"),
        lambda: store.open_archive_member(run_id, "missing.zip", "a.txt"),
        lambda: store.diff_artifacts(run_id, "missing.txt", run_id),
    ):
        with pytest.raises(NotFound):
            call()
    assert store.list_artifacts(run_id) == []


def test_log_artifacts_uploads_a_folder_file_by_file(
    store: Store, run_id: str, tmp_path: Path
) -> None:
    folder = tmp_path / "outputs"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("alpha")
    (folder / "sub" / "b.txt").write_text("beta")
    logged = store.log_artifacts(run_id, folder, "out")
    assert [a.path for a in logged] == ["out/a.txt", "out/sub/b.txt"]
    assert read(store, run_id, "out/sub/b.txt") == b"beta"
    assert [a.path for a in store.log_artifacts(run_id, str(folder))] == ["a.txt", "sub/b.txt"]

    with pytest.raises(InvalidInput, match="not a folder"):
        store.log_artifacts(run_id, tmp_path / "no-such-folder")
    (tmp_path / "secret.txt").write_text("outside")
    (folder / "leak.txt").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(InvalidInput, match="outside the folder"):
        store.log_artifacts(run_id, folder, "again")
    assert not store.list_artifacts(run_id, prefix="again")  # checked before any upload


def test_links_are_recorded_without_bytes(store: Store, run_id: str) -> None:
    link = store.link_artifact(run_id, "data/train", "s3://datasets/train/v3/")
    assert (link.kind, link.uri, link.sha256, link.size) == (
        "link", "s3://datasets/train/v3/", None, None,
    )  # fmt: skip
    assert store.get_artifact(run_id, "data/train") == link
    with pytest.raises(InvalidInput, match="link"):
        store.open_artifact(run_id, "data/train")
    with pytest.raises(InvalidInput, match="uri"):
        store.link_artifact(run_id, "data/bad", "not a uri")
    assert [a.path for a in store.list_artifacts(run_id)] == ["data/train"]


def test_preview_text_and_binary(store: Store, run_id: str) -> None:
    store.log_artifact(run_id, "log.txt", io.BytesIO(b"line one\nline two\n"))
    store.log_artifact(run_id, "blob.bin", io.BytesIO(bytes(range(256))))
    text = store.preview_artifact(run_id, "log.txt")
    assert (text.is_text, text.truncated, text.text) == (True, False, "line one\nline two\n")
    head = store.preview_artifact(run_id, "log.txt", max_bytes=8)
    assert head.truncated and head.text == "line one"
    binary = store.preview_artifact(run_id, "blob.bin")
    assert not binary.is_text and binary.text is None and binary.size == 256
    with pytest.raises(InvalidInput, match="max_bytes"):
        store.preview_artifact(run_id, "log.txt", max_bytes=0)


def test_diff_of_two_runs(store: Store, run_id: str, experiment) -> None:
    other = store.create_run(RunCreate(experiment_id=experiment.id)).id
    store.log_artifact(run_id, "config.yaml", io.BytesIO(b"lr: 0.1\nepochs: 3\n"))
    store.log_artifact(other, "config.yaml", io.BytesIO(b"lr: 0.2\nepochs: 3\n"))
    store.log_artifact(other, "same.yaml", io.BytesIO(b"lr: 0.1\nepochs: 3\n"))
    diff = store.diff_artifacts(run_id, "config.yaml", other)
    assert not diff.identical and "-lr: 0.1" in diff.diff and "+lr: 0.2" in diff.diff
    assert store.diff_artifacts(run_id, "config.yaml", other, "same.yaml").identical
    one_sided = store.diff_artifacts(run_id, "config.yaml", other, "absent.yaml")
    assert not one_sided.identical and "missing" in one_sided.message
    with pytest.raises(NotFound):
        store.diff_artifacts(run_id, "absent.yaml", other)


def test_archives_are_browsed_member_by_member(store: Store, run_id: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("src/train.py", "print('train')\n")
        zf.writestr("README.md", "# code\n")
    store.log_artifact(run_id, "code.zip", io.BytesIO(buffer.getvalue()), kind="archive")
    members = store.list_archive(run_id, "code.zip")
    assert {(m.name, m.size) for m in members} == {("src/train.py", 15), ("README.md", 7)}
    with store.open_archive_member(run_id, "code.zip", "src/train.py") as stream:
        assert stream.read() == b"print('train')\n"
    with pytest.raises(NotFound, match="member"):
        store.open_archive_member(run_id, "code.zip", "absent.py")
    with pytest.raises(InvalidInput, match="member"):
        store.open_archive_member(run_id, "code.zip", "")
    store.log_artifact(run_id, "plain.txt", io.BytesIO(b"not an archive"))
    with pytest.raises(InvalidInput, match="not a zip or tar"):
        store.list_archive(run_id, "plain.txt")


def test_paths_with_spaces_and_symbols_round_trip(store: Store, run_id: str) -> None:
    path = "plots/loss curve #1 (ü) 100%?.png"
    logged = store.log_artifact(run_id, path, io.BytesIO(b"\x89PNG"))
    assert logged.path == path and logged.media_type == "image/png"
    assert store.get_artifact(run_id, path) == logged
    assert read(store, run_id, path) == b"\x89PNG"
    assert [a.path for a in store.list_artifacts(run_id, prefix="plots")] == [path]
