"""Tracking URIs that are wrong say so, at every entry point: a server address without a scheme,
and a URL where something other than Runway answers (the dashboard's port, any web page)."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import runway
from runway_core.errors import InvalidInput, RunwayError


def _cli(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "runway.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


FIX = "use http://localhost:5000"


def test_host_port_without_scheme_is_refused_by_the_sdk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUNWAY_TRACKING_URI", "localhost:5000")
    with pytest.raises(InvalidInput, match=FIX):
        runway.init(project="p", capture=False)
    with pytest.raises(InvalidInput, match=FIX):
        runway.Client()
    monkeypatch.delenv("RUNWAY_TRACKING_URI")
    with pytest.raises(InvalidInput, match=FIX):
        runway.init(project="p", tracking_uri="localhost:5000", capture=False)
    with pytest.raises(InvalidInput, match=FIX):
        runway.Client("localhost:5000")
    assert list(tmp_path.iterdir()) == []  # no database file named localhost:5000


def test_host_port_without_scheme_is_one_line_from_the_cli(tmp_path: Path) -> None:
    (tmp_path / "plain.py").write_text("print('ran')\n")
    env = {"RUNWAY_TRACKING_URI": "localhost:5000"}
    wrapped = _cli(tmp_path, "run", "--", sys.executable, "plain.py", env=env)
    assert wrapped.returncode != 0 and "ran" not in wrapped.stdout
    assert FIX in wrapped.stderr and "Traceback" not in wrapped.stderr
    uri = "localhost:5000"
    flag = _cli(tmp_path, "run", "--tracking-uri", uri, "--", sys.executable, "plain.py")
    assert flag.returncode != 0 and FIX in flag.stderr and "Traceback" not in flag.stderr
    spool = tmp_path / "spool"
    spool.mkdir()
    (spool / "0123.jsonl").write_text("{}\n")
    sync = _cli(tmp_path, "sync", "--spool-dir", str(spool), "--tracking-uri", "localhost:5000")
    assert sync.returncode != 0 and FIX in sync.stderr and "Traceback" not in sync.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.py", "spool"]


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><html><body>Streamlit</body></html>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web_page() -> Iterator[str]:
    """An HTTP server that answers every request with an HTML page (like the dashboard)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_url_where_something_else_answers_is_explained(web_page: str) -> None:
    expected = rf"{web_page} answered HTTP 200 text/html, not the Runway API"
    with pytest.raises(RunwayError, match=expected) as raised:
        runway.init(project="p", tracking_uri=web_page, capture=False)
    assert "dashboard" in str(raised.value)
    with runway.Client(web_page) as client, pytest.raises(RunwayError, match=expected):
        client.list_projects()
    assert runway.active_run() is None


def test_an_unknown_scheme_is_refused_at_init_and_by_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    unknown = "has an unknown scheme 'htp://'; use http:// or https://"
    with pytest.raises(InvalidInput, match=unknown) as raised:
        runway.init(project="p", tracking_uri="htp://host:5000", capture=False)
    assert raised.value.field == "tracking_uri"
    with pytest.raises(InvalidInput, match=unknown):
        runway.Client("htp://host")
    # A password in a mistyped URL is not repeated in the message.
    with pytest.raises(InvalidInput, match=r"postgresq://me:\*\*\*@db/x") as raised:
        runway.Client("postgresq://me:s3cret@db/x")
    assert "s3cret" not in str(raised.value)
    (tmp_path / "plain.py").write_text("print('ran')\n")
    flag = _cli(tmp_path, "run", "--tracking-uri", "htp://host", "--", sys.executable, "plain.py")
    assert flag.returncode != 0 and unknown in flag.stderr and "Traceback" not in flag.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.py"]


def test_the_dashboard_refuses_a_server_address_without_a_scheme(tmp_path: Path) -> None:
    with socket.socket() as busy:  # the URI is refused first, before the port is looked at
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        out = _cli(tmp_path, "ui", "--tracking-uri", "localhost:5000", "--port", port)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [
        "error: tracking URI 'localhost:5000' looks like a server address without a scheme; "
        f"{FIX} (or a file path such as ./runway.db for a database)"
    ]
    assert list(tmp_path.iterdir()) == []  # no database file named localhost:5000


def test_user_commands_refuse_what_is_not_a_database_and_name_the_default_file(
    tmp_path: Path,
) -> None:
    env = {"RUNWAY_BACKEND_URI": ""}  # unset: the default ./runway.db
    for given, expected in (
        ("localhost:5000", "looks like a server address without a scheme"),
        ("htp://db", "has an unknown scheme 'htp://'"),
        ("http://localhost:5000", "is a server URL, not a database"),
    ):
        out = _cli(tmp_path, "user", "create", "ada", "--backend-uri", given, env=env)
        assert out.returncode != 0 and expected in out.stderr, out.stderr
        assert "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []
    made = _cli(tmp_path, "user", "create", "ada", env=env)
    assert made.returncode == 0, made.stderr
    db = tmp_path.resolve() / "runway.db"
    assert made.stderr.splitlines() == [
        f"runway: using the database {db} (the default; --backend-uri or RUNWAY_BACKEND_URI "
        "names the server's)"
    ]
    named = _cli(tmp_path, "user", "list", "--backend-uri", str(db), env=env)
    assert named.returncode == 0 and named.stderr == "" and "ada" in named.stdout
