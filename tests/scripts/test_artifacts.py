"""Artifacts from the SDK, on the embedded store and through a real server, read with Client."""

from __future__ import annotations

from pathlib import Path

import pytest

import runway
from runway_core.errors import InvalidInput


@pytest.fixture(params=["embedded", "server"])
def tracking_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "server":
        return request.getfixturevalue("live_server").url
    return f"sqlite:///{tmp_path / 'runway.db'}"


def test_log_read_diff_and_download_artifacts(tracking_uri: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "ckpt" / "sub").mkdir(parents=True)
    (work / "config.yaml").write_text("lr: 0.1\nepochs: 10\n")
    (work / "ckpt" / "a.txt").write_text("alpha\n")
    (work / "ckpt" / "sub" / "b.bin").write_bytes(b"\x00\x01\x02")
    with runway.init(project="art", tracking_uri=tracking_uri, capture=False) as run:
        record = run.log_artifact(work / "config.yaml")
        assert record is not None and record.path == "config.yaml" and record.size == 19
        assert run.log_artifacts(work / "ckpt") == 2
        archive = run.log_archive(work / "ckpt", "ckpt.zip")
        assert archive is not None and archive.kind == "archive"
        link = run.link_artifact("s3://bucket/models/model.pt")
        assert link is not None and link.kind == "link" and link.path == "model.pt"
        with pytest.raises(InvalidInput, match="is not a file"):
            run.log_artifact(work / "missing.txt")
        with pytest.raises(InvalidInput, match="relative path without"):
            run.log_artifact(work / "config.yaml", "../escape.yaml")
    (work / "config.yaml").write_text("lr: 0.2\nepochs: 10\n")
    with runway.init(project="art", tracking_uri=tracking_uri, capture=False) as other:
        other.log_artifact(work / "config.yaml")

    with runway.Client(tracking_uri) as client:
        paths = {a.path for a in client.list_artifacts(run.id)}
        assert paths == {"config.yaml", "ckpt/a.txt", "ckpt/sub/b.bin", "ckpt.zip", "model.pt"}
        assert client.preview_artifact(run.id, "config.yaml").text == "lr: 0.1\nepochs: 10\n"
        members = {m.name for m in client.list_archive(run.id, "ckpt.zip") if not m.is_dir}
        assert members == {"a.txt", "sub/b.bin"}
        diff = client.diff_artifacts(run.id, "config.yaml", other.id)
        assert not diff.identical and "-lr: 0.1" in diff.diff and "+lr: 0.2" in diff.diff
        with client.open_artifact(run.id, "ckpt/sub/b.bin") as f:
            assert f.read() == b"\x00\x01\x02"
        dest = client.download_artifacts(run.id, "ckpt", tmp_path / "down")
        assert (dest / "ckpt" / "a.txt").read_text() == "alpha\n"
        assert (dest / "ckpt" / "sub" / "b.bin").read_bytes() == b"\x00\x01\x02"
        assert not (dest / "ckpt.zip").exists()  # a folder path, not a name prefix
    one = run.download_artifacts("config.yaml", tmp_path / "one")
    assert [p.name for p in one.iterdir()] == ["config.yaml"]
    assert (one / "config.yaml").read_text() == "lr: 0.1\nepochs: 10\n"
