"""Delivery of typed writes to real stores: content the project already holds is indexed without
reading the file, a refused write does not stop the others, and a batch the server refuses as a
whole is retried write by write."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from runway_core.config import Settings
from runway_core.schemas.writes import (
    CreateRunWrite,
    ParamsWrite,
    RunStart,
    TagsWrite,
    UploadWrite,
)
from runway_core.store.sql import SqlStore
from runway_core.tracking.delivery import Delivery

A, B = "a" * 32, "b" * 32


def _create(run_id: str) -> CreateRunWrite:
    return CreateRunWrite(run_id=run_id, run=RunStart(id=run_id, project="p", experiment="e"))


def test_known_content_is_indexed_without_reading_the_file(sqlite_uri: str, tmp_path: Path) -> None:
    store = SqlStore(sqlite_uri)
    delivery = Delivery(store)
    data = b"numpy==2.1.0\n"
    sha = hashlib.sha256(data).hexdigest()
    file = tmp_path / "requirements.txt"
    file.write_bytes(data)
    first = UploadWrite(run_id=A, path="repro/requirements.txt", file=str(file), sha256=sha)
    assert [o.kind for o in delivery.deliver([_create(A), first])] == ["ok", "ok"]
    file.unlink()  # from now on an upload would fail: only indexing can succeed
    again = UploadWrite(run_id=B, path="repro/requirements.txt", file=str(file), sha256=sha)
    outcomes = delivery.deliver([_create(B), again])
    assert [o.kind for o in outcomes] == ["ok", "ok"]
    assert outcomes[1].result.sha256 == sha and outcomes[1].result.size == len(data)
    # A new process knows nothing yet: it asks the store first, and still reads no file.
    assert Delivery(store).deliver([again])[0].kind == "ok"
    with store.open_artifact(B, "repro/requirements.txt") as f:
        assert f.read() == data
    missing = UploadWrite(run_id=B, path="other.txt", file=str(file), sha256="0" * 64)
    outcome = Delivery(store).deliver([missing])[0]
    assert outcome.kind == "refused" and "no longer exists" in outcome.reason


def test_a_refused_write_does_not_stop_the_ones_behind_it(sqlite_uri: str) -> None:
    store = SqlStore(sqlite_uri)
    outcomes = Delivery(store).deliver(
        [
            _create(A),
            ParamsWrite(run_id=A, params={"lr": 0.1}),
            ParamsWrite(run_id=A, params={"lr": 0.2}),  # Conflict
            TagsWrite(run_id=A, tags={"t": "v"}),
        ]
    )
    assert [o.kind for o in outcomes] == ["ok", "ok", "refused", "ok"]
    assert "Conflict" in outcomes[2].reason
    assert store.get_run(A).tags == {"t": "v"}


def test_a_batch_refused_as_a_whole_is_sent_write_by_write(sqlite_uri: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from runway.api.app import create_app
    from runway_core.store.http import HttpStore

    settings = Settings(
        backend_uri=sqlite_uri,
        artifacts_uri=str(tmp_path / "artifacts"),
        max_writes_per_request=2,  # the server refuses the 4-write batch with 413
    )
    with TestClient(create_app(settings)) as client:
        store = HttpStore("http://testserver", client=client)
        writes = [
            _create(A),
            ParamsWrite(run_id=A, params={"lr": 0.1}),
            ParamsWrite(run_id=A, params={"lr": 0.2}),
            TagsWrite(run_id=A, tags={"t": "v"}),
        ]
        outcomes = Delivery(store).deliver(writes)
        assert [o.kind for o in outcomes] == ["ok", "ok", "refused", "ok"]
        assert store.get_run(A).tags == {"t": "v"}


@pytest.mark.parametrize("kind", ["file", "archive"])
def test_uploads_keep_their_kind(sqlite_uri: str, tmp_path: Path, kind: str) -> None:
    import zipfile

    store = SqlStore(sqlite_uri)
    file = tmp_path / "a.zip"
    with zipfile.ZipFile(file, "w") as z:
        z.writestr("x.txt", "x")
    upload = UploadWrite(run_id=A, path="a.zip", file=str(file), kind=kind)
    outcomes = Delivery(store).deliver([_create(A), upload])
    assert outcomes[1].kind == "ok" and outcomes[1].result.kind == kind


def test_refused_credentials_are_kept_and_other_refusals_set_aside() -> None:
    """401/403 on a write are kept for a retry with a token or role that works (`runway sync`);
    S3 refusing the server's own credential (a 403 too) and a 404 are set aside as before."""
    from runway_core.errors import Forbidden, NotFound, Unauthorized
    from runway_core.tracking.delivery import is_transient

    assert is_transient(Unauthorized("API token 0123 was revoked"))
    assert is_transient(Forbidden("user 'bo' may only read project 'p'"))
    assert not is_transient(Forbidden("S3 refused the upload", field="credential"))
    assert not is_transient(NotFound("run 'x' not found"))
