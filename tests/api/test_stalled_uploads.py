"""No client freezes the server by sending a body slowly, or never (issue 18).

Against a real ``runway server --auth`` (one worker, SQLite), over raw sockets: a declared
length over ``RUNWAY_MAX_UPLOAD_BYTES`` is refused at once (413); a body that stalls or trickles
is cut with 408 and leaves nothing stored; a JSON body that stalls is cut too; a user's uploads
past ``RUNWAY_UPLOADS_PER_USER`` get 429; with 100 stalled uploads open, ``/healthz`` and a
search answer within 1 s; and an upload sent normally afterwards stores the right bytes. Each
case goes through Runway's REST upload and MLflow's proxied artifact upload where both apply.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from runway.api.uploads import STREAM_AFTER
from runway_core.processes import ServerProcess, free_port, server_command, start, stop, wait_ready
from runway_core.schemas import ExperimentCreate, ProjectCreate, RunCreate
from runway_core.schemas.auth import UserCreate
from runway_core.store.sql import SqlStore

from .rawhttp import answered, read_answer, send_head, trickle

pytestmark = pytest.mark.e2e

BODY_TIMEOUT = 2  # RUNWAY_BODY_TIMEOUT of the quick server
UPLOAD_LIMIT = STREAM_AFTER * 2  # its RUNWAY_MAX_UPLOAD_BYTES
PATIENT_CAP = 100  # RUNWAY_UPLOADS_PER_USER of the patient server (whose body timeout is 120 s)


@dataclass
class Target:
    server: ServerProcess
    address: tuple[str, int]
    token: str
    project_id: str
    run_id: str
    experiment_id: str
    artifacts: Path

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def upload_path(self, api: str, name: str) -> str:
        if api == "rest":
            return f"/api/v1/runs/{self.run_id}/artifacts/{name}"
        run = f"{self.experiment_id}/{self.run_id}"
        return f"/api/2.0/mlflow-artifacts/artifacts/{run}/artifacts/{name}"

    def stored_objects(self) -> int:
        return sum(1 for p in (self.artifacts / "objects").rglob("*") if p.is_file())

    def half_written(self) -> list[Path]:
        """Files the local artifact store is still writing, or left behind."""
        return [p for p in (self.artifacts / "tmp").rglob("*") if p.is_file()]

    def listed(self) -> set[str]:
        url = f"{self.server.url}/api/v1/runs/{self.run_id}/artifacts"
        response = httpx.get(url, headers=self.auth, timeout=10)
        assert response.status_code == 200, response.text
        return {a["path"] for a in response.json()["data"]}


@contextlib.contextmanager
def _serve(tmp: Path, env: dict[str, str], *, auth: bool = True) -> Iterator[Target]:
    backend = f"sqlite:///{tmp / 'runway.db'}"
    store = SqlStore(backend)
    try:
        store.create_user(UserCreate(name="alice"))
        token = store.create_token("alice").token
        project = store.create_project(ProjectCreate(name="uploads"))
        store.set_project_member(project.id, "alice", "admin")
        exp = store.create_experiment(project.id, ExperimentCreate(name="e"))
        run = store.create_run(RunCreate(experiment_id=exp.id, params={"lr": 0.1}))
    finally:
        store.close()
    port = free_port()
    artifacts = tmp / "artifacts"
    cmd = server_command("127.0.0.1", port, backend, str(artifacts)) + ["--auth"] * auth
    log_path = tmp / "server.log"
    proc = start(cmd, env, log_path=log_path)
    server = ServerProcess(f"http://127.0.0.1:{port}", backend, str(artifacts), proc, log_path)
    try:
        wait_ready(proc, f"{server.url}/healthz", "runway server", log_path=log_path)
        yield Target(server, ("127.0.0.1", port), token, project.id, run.id, exp.id, artifacts)
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    env = {"RUNWAY_BODY_TIMEOUT": str(BODY_TIMEOUT), "RUNWAY_MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT)}
    with _serve(tmp_path_factory.mktemp("quick"), env) as target:
        yield target


@pytest.fixture(scope="module")
def patient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    env = {"RUNWAY_BODY_TIMEOUT": "120", "RUNWAY_UPLOADS_PER_USER": str(PATIENT_CAP)}
    with _serve(tmp_path_factory.mktemp("patient"), env) as target:
        yield target


def _put_head(target: Target, api: str, name: str, length: int) -> dict[str, str]:
    return {
        **target.auth,
        "Content-Type": "application/octet-stream",
        "Content-Length": str(length),
    }


def _error_text(api: str, answer_json: dict[str, object]) -> str:
    """The message of an error body in Runway's shape or MLflow's."""
    if api == "rest":
        error = answer_json["error"]
        assert isinstance(error, dict)
        return str(error["code"]) + " " + str(error["message"])
    return str(answer_json["error_code"]) + " " + str(answer_json["message"])


def _upload(target: Target, api: str, name: str, data: bytes) -> httpx.Response:
    """A normal upload; 429 is retried for a few seconds (a closed client's slot is released
    when the server has seen it go)."""
    url = target.server.url + target.upload_path(api, name)
    deadline = time.monotonic() + 15
    while True:
        response = httpx.put(url, content=data, headers=target.auth, timeout=30)
        if response.status_code != 429 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def _assert_stored(target: Target, name: str, data: bytes) -> None:
    base = f"{target.server.url}/api/v1/runs/{target.run_id}"
    info = httpx.get(f"{base}/artifact-info/{name}", headers=target.auth, timeout=10)
    assert info.status_code == 200, info.text
    assert info.json()["sha256"] == hashlib.sha256(data).hexdigest()
    assert info.json()["size"] == len(data)
    download = httpx.get(f"{base}/artifacts/{name}", headers=target.auth, timeout=30)
    assert hashlib.sha256(download.content).digest() == hashlib.sha256(data).digest()


@pytest.mark.parametrize("api", ["rest", "mlflow"])
def test_declared_length_over_the_limit_is_refused_before_reading(quick: Target, api: str) -> None:
    # The probe: 2 GiB declared, 10 bytes sent, and no answer in 20 s.
    head = _put_head(quick, api, "huge.bin", 2_147_483_648)
    with contextlib.ExitStack() as stack:
        sock = send_head(
            stack, quick.address, "PUT", quick.upload_path(api, "huge.bin"), head, b"0123456789"
        )
        answer = read_answer(sock, timeout=10)
    assert answer.status == 413, answer.body
    message = answer.json()["error"]["message"]
    assert "RUNWAY_MAX_UPLOAD_BYTES" in message and str(UPLOAD_LIMIT) in message
    assert answer.seconds < BODY_TIMEOUT  # refused from the header, not after a stall
    assert answer.headers.get("connection") == "close"
    assert "huge.bin" not in quick.listed()


@pytest.mark.parametrize(
    ("api", "sent"),
    [("rest", 10), ("mlflow", 10), ("rest", STREAM_AFTER + 1024 * 1024)],
    ids=["rest", "mlflow", "rest-while-stored"],  # past STREAM_AFTER, the store reads already
)
def test_stalled_upload_is_cut_with_408_and_stores_nothing(
    quick: Target, api: str, sent: int
) -> None:
    before = quick.stored_objects()
    head = _put_head(quick, api, "stalled.bin", sent + 1000)
    with contextlib.ExitStack() as stack:
        sock = send_head(
            stack, quick.address, "PUT", quick.upload_path(api, "stalled.bin"), head, b"x" * sent
        )
        answer = read_answer(sock, timeout=BODY_TIMEOUT + 15)
    assert answer.status == 408, answer.body
    text = _error_text(api, answer.json())
    code = "REQUEST_TIMEOUT" if api == "rest" else "DEADLINE_EXCEEDED"
    assert text.startswith(code) and "RUNWAY_BODY_TIMEOUT" in text
    assert answer.headers.get("connection") == "close"
    assert "stalled.bin" not in quick.listed()
    assert quick.stored_objects() == before
    assert quick.half_written() == []


def test_trickled_upload_is_cut_with_408(quick: Target) -> None:
    # Four bytes a second never stalls for RUNWAY_BODY_TIMEOUT, but stays under the 500 B/s
    # minimum; it is cut about RUNWAY_BODY_TIMEOUT seconds in.
    head = _put_head(quick, "rest", "trickle.bin", 10_000)
    with contextlib.ExitStack() as stack:
        sock = send_head(
            stack, quick.address, "PUT", quick.upload_path("rest", "trickle.bin"), head
        )
        answer = trickle(sock, b"t" * 10_000, every=0.25, limit=BODY_TIMEOUT + 20)
    assert answer.status == 408, answer.body
    assert "RUNWAY_BODY_MIN_RATE" in answer.json()["error"]["message"]
    assert "trickle.bin" not in quick.listed()


def test_chunked_upload_past_the_limit_is_refused_with_413(quick: Target) -> None:
    before = quick.stored_objects()
    head = {**quick.auth, "Transfer-Encoding": "chunked"}
    block = b"c" * (1024 * 1024)
    with contextlib.ExitStack() as stack:
        sock = send_head(stack, quick.address, "PUT", quick.upload_path("rest", "big.bin"), head)
        with contextlib.suppress(OSError):  # the server may close once it has refused
            for _ in range(UPLOAD_LIMIT // len(block) + 2):
                sock.sendall(b"%x\r\n" % len(block) + block + b"\r\n")
            sock.sendall(b"0\r\n\r\n")
        answer = read_answer(sock, timeout=30)
    assert answer.status == 413, answer.body
    assert "RUNWAY_MAX_UPLOAD_BYTES" in answer.json()["error"]["message"]
    assert "big.bin" not in quick.listed()
    assert quick.stored_objects() == before


def test_stalled_json_body_is_cut_with_408(quick: Target) -> None:
    head = {**quick.auth, "Content-Type": "application/json", "Content-Length": "200"}
    with contextlib.ExitStack() as stack:
        sock = send_head(stack, quick.address, "POST", "/api/v1/runs/search", head, b'{"filter"')
        answer = read_answer(sock, timeout=BODY_TIMEOUT + 15)
    assert answer.status == 408, answer.body
    assert answer.json()["error"]["code"] == "REQUEST_TIMEOUT"
    assert "RUNWAY_BODY_TIMEOUT" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("api", "size"),
    [("rest", 3 * 1024 * 1024 + 17), ("mlflow", 3 * 1024 * 1024 + 17), ("rest", STREAM_AFTER + 5)],
    ids=["rest", "mlflow", "rest-stored-while-sent"],
)
def test_an_upload_sent_normally_stores_the_right_bytes(quick: Target, api: str, size: int) -> None:
    data = os.urandom(size)  # more than one spool block
    name = f"weights-{api}-{size}.bin"
    response = _upload(quick, api, name, data)
    assert response.status_code in (200, 201), response.text
    _assert_stored(quick, name, data)


def test_hundred_stalled_uploads_leave_the_server_answering(patient: Target) -> None:
    url = patient.server.url
    with contextlib.ExitStack() as stack:
        socks = []
        for i in range(PATIENT_CAP + 1):  # REST and MLflow uploads alike count for the user
            api = "rest" if i % 2 else "mlflow"
            head = _put_head(patient, api, f"stall-{i}.bin", 10_000_000)
            socks.append(
                send_head(
                    stack,
                    patient.address,
                    "PUT",
                    patient.upload_path(api, f"stall-{i}.bin"),
                    head,
                    b"s" * 10,
                )
            )
        # Exactly one upload is over the cap: it is refused, the 100 others wait for their body.
        over = answered(socks, within=5)
        assert len(over) == 1
        refused = read_answer(over[0], timeout=5)
        assert refused.status == 429, refused.body
        assert int(refused.headers["retry-after"]) > 0
        assert "RUNWAY_UPLOADS_PER_USER" in _error_text(
            "rest" if "error" in refused.json() else "mlflow", refused.json()
        )

        for _ in range(3):
            start = time.monotonic()
            health = httpx.get(f"{url}/healthz", timeout=5)
            assert health.status_code == 200 and time.monotonic() - start < 1
            start = time.monotonic()
            found = httpx.get(
                f"{url}/api/v1/runs",
                params={"project_id": patient.project_id, "filter": "params.lr > 0.01"},
                headers=patient.auth,
                timeout=5,
            )
            assert found.status_code == 200 and time.monotonic() - start < 1
            assert [r["id"] for r in found.json()["runs"]] == [patient.run_id]
            start = time.monotonic()
            found = httpx.post(
                f"{url}/api/v1/runs/search",
                json={"project_id": patient.project_id, "filter": "params.lr > 0.01"},
                headers=patient.auth,
                timeout=5,
            )
            assert found.status_code == 200 and time.monotonic() - start < 1
        assert answered(socks, within=0.5) == over  # the 100 are still open, unanswered
    # All closed: their slots come back, and an upload sent normally is stored whole.
    data = os.urandom(2 * 1024 * 1024)
    response = _upload(patient, "rest", "after.bin", data)
    assert response.status_code == 201, response.text
    _assert_stored(patient, "after.bin", data)
    assert not any(p.startswith("stall-") for p in patient.listed())


def test_without_auth_the_cap_is_per_client_address(tmp_path: Path) -> None:
    env = {"RUNWAY_BODY_TIMEOUT": "120", "RUNWAY_UPLOADS_PER_USER": "2"}
    with _serve(tmp_path, env, auth=False) as target, contextlib.ExitStack() as stack:
        socks = [
            send_head(
                stack,
                target.address,
                "PUT",
                target.upload_path("rest", f"open-{i}.bin"),
                {"Content-Length": "1000"},
                b"o",
            )
            for i in range(3)
        ]
        over = answered(socks, within=3)
        assert len(over) == 1
        refused = read_answer(over[0], timeout=5)
    assert refused.status == 429, refused.body
    assert "address 127.0.0.1" in refused.json()["error"]["message"]
