"""``/healthz`` checks the database and the artifact storage: 200 when both answer, 503 naming
the part that does not (the body keeps ``status`` and ``version``)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from runway.api.app import create_app
from runway_core import __version__
from runway_core.processes import free_port
from runway_core.store.http import HttpStore
from runway_core.store.sql import SqlStore

from .conftest import ok


def _report(store: SqlStore) -> tuple[int, dict]:  # type: ignore[type-arg]
    with TestClient(create_app(store=store)) as client:
        response = client.get("/healthz")
    return response.status_code, response.json()


def test_both_parts_answer(client: TestClient) -> None:
    body = ok(client.get("/healthz"))
    assert body["status"] == "ok" and body["version"] == __version__
    for part in ("database", "artifacts"):
        assert body["checks"][part]["status"] == "ok"
        assert 0 <= body["checks"][part]["seconds"] < 5
        assert body["checks"][part].get("error") is None


def test_artifact_folder_that_cannot_be_made_is_a_503_naming_artifacts(
    sqlite_uri: str, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the artifact folder should be")
    store = SqlStore(sqlite_uri, artifacts_uri=str(blocker / "artifacts"))
    status, body = _report(store)
    store.close()
    assert status == 503
    assert (body["status"], body["version"]) == ("failing", __version__)
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["artifacts"]["status"] == "failing"
    assert "cannot be created" in body["checks"]["artifacts"]["error"]


def test_unreachable_s3_endpoint_is_a_503_naming_artifacts(sqlite_uri: str) -> None:
    uri = f"s3://bucket/p?endpoint_url=http://127.0.0.1:{free_port()}"
    store = SqlStore(sqlite_uri, artifacts_uri=uri)
    status, body = _report(store)
    store.close()
    assert status == 503
    assert body["checks"]["artifacts"]["status"] == "failing"
    assert "unreachable" in body["checks"]["artifacts"]["error"]


def test_unreachable_database_is_a_503_naming_the_database(tmp_path: Path) -> None:
    uri = f"postgresql+psycopg://runway:pw-not-shown@127.0.0.1:{free_port()}/runway"
    store = SqlStore(uri, artifacts_uri=str(tmp_path / "a"), migrate=False)
    status, body = _report(store)
    store.close()
    assert status == 503
    assert body["checks"]["database"]["status"] == "failing"
    assert "127.0.0.1" in body["checks"]["database"]["error"]
    assert "pw-not-shown" not in str(body)
    assert body["checks"]["artifacts"]["status"] == "ok"


def test_http_store_returns_a_failing_report_rather_than_raising(
    sqlite_uri: str, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = SqlStore(sqlite_uri, artifacts_uri=str(blocker / "artifacts"))
    with TestClient(create_app(store=store)) as client:
        report = HttpStore("http://testserver", client=client).check_health()
    store.close()
    assert report.status == "failing"
    assert report.checks["artifacts"].status == "failing"
    assert report.checks["database"].status == "ok"
