"""One store and one background sender per tracking URI in a process.

Opening a ``SqlStore`` checks migrations, and a server is asked once, at first contact, whether
it is Runway at all (``GET /healthz``), so a loop of runs pays for neither again. A store that
cannot be reached at first contact is not an error: its runs go to the spool until it is back.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runway_core.config import is_http, resolve_tracking_uri, settings
from runway_core.errors import (
    Forbidden,
    InvalidInput,
    RunwayError,
    StoreUnavailable,
    Unauthorized,
)
from runway_core.store.protocol import Store
from runway_core.tracking import exit as exit_hooks
from runway_core.tracking import repro
from runway_core.tracking.sender import Sender
from runway_core.tracking.spool import Spool

log = logging.getLogger("runway")
_PASSWORD_RE = re.compile(r"(://[^:/@]+):[^@]*@")


@dataclass
class Connection:
    uri: str
    store: Store | None  # None: offline, or the store could not be opened (spool only)
    sender: Sender
    checked: bool = False
    client: Any = field(default=None, repr=False)  # the HTTP client, for the health check
    user: str | None = None  # with authentication on and not a server admin: who we are
    writable: set[str] = field(default_factory=set)  # projects checked by check_project


_lock = threading.Lock()
_connections: dict[tuple[str, bool, Path, float], Connection] = {}
# Connections inherited through a fork: never used nor closed in the child (closing would end
# the parent's connections), only kept from the garbage collector.
_inherited: list[Connection] = []


def connection(uri: str, *, offline: bool = False) -> Connection:
    """The connection of this process to ``uri`` (a resolved tracking URI)."""
    cfg = settings()
    key = (uri, offline, cfg.spool_dir.expanduser(), cfg.http_timeout)
    with _lock:
        conn = _connections.get(key)
        if conn is None:
            conn = _connections[key] = _connect(uri, offline, cfg.http_timeout)
            exit_hooks.on_drain(close_all)
            exit_hooks.on_drain(repro.cleanup)  # after close_all: its files were sent by then
        return conn


def _connect(uri: str, offline: bool, timeout: float) -> Connection:
    if offline:
        return Connection(uri, None, Sender(uri, None, Spool(), timeout=timeout), checked=True)
    store, client = _open(uri, timeout)
    sender = Sender(uri, (lambda: store), Spool(), timeout=timeout)
    return Connection(uri, store, sender, checked=client is None, client=client)


def _open(uri: str, timeout: float) -> tuple[Store | None, Any]:
    if not is_http(uri):
        return _open_sql(uri), None
    import httpx

    from runway_core.store.http import HttpStore

    # The SDK's own client: a stuck server delays a training script by one timeout, not
    # minutes (connecting: at most 5 s).
    client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)))
    return HttpStore(uri, client=client), client


def _open_sql(uri: str) -> Store | None:
    from runway_core.store import open_sql_store

    try:
        return open_sql_store(uri)
    except InvalidInput:
        raise  # a configuration mistake (the local extra is missing), shown at the call
    except Exception as exc:  # never fail the user's script: spool and warn once
        log.warning(
            "runway: cannot open the tracking store %s (%s); writing to the spool, upload it "
            "later with `runway sync`",
            uri,
            exc,
        )
        return None


def first_contact(conn: Connection) -> None:
    """Ask a server once whether it is Runway. An answer from something else (the dashboard's
    port, a web page) raises ``InvalidInput`` saying what answered; no answer raises
    ``StoreUnavailable`` (and the connection's runs spool until a retry gets through). Once
    it did not answer, the background retries find out when it is back: nobody waits again."""
    if conn.checked or conn.sender.down:
        return
    import httpx

    from runway_core.store.http.base import not_runway

    try:
        response = conn.client.get(conn.uri + "/healthz")
    except httpx.TransportError as exc:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        conn.sender.mark_down(reason)
        raise StoreUnavailable(f"cannot reach the Runway server at {conn.uri}: {reason}") from exc
    if response.status_code in (502, 503, 504):  # a proxy in front of a server that is down
        conn.sender.mark_down(f"HTTP {response.status_code}")
        raise StoreUnavailable(f"the Runway server at {conn.uri} is unavailable")
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict) or body.get("status") != "ok":
        raise InvalidInput(not_runway(response).message, field="tracking_uri")
    _check_token(conn)
    conn.checked = True


def _check_token(conn: Connection) -> None:
    """A token the server refuses is a mistake to fix, not an outage to wait out: raise
    ``Unauthorized`` naming ``RUNWAY_TOKEN`` (nothing is queued or spooled)."""
    import httpx

    from runway_core.store.http.base import error_from_response

    token = settings().token
    secret = token.get_secret_value() if token is not None else ""
    headers = {"authorization": f"Bearer {secret}"} if secret else {}
    try:
        response = conn.client.get(conn.uri + "/api/v1/whoami", headers=headers)
    except httpx.TransportError:
        return  # it answered /healthz a moment ago: the writes find out, and spool if need be
    if response.status_code != 401:
        # 200; or a server without /whoami: the writes find out
        body = response.json() if response.status_code == 200 else None
        if isinstance(body, dict) and body.get("auth") and not body.get("admin"):
            conn.user = body.get("user")
        return
    reason = error_from_response(response).message
    if secret:
        message = (
            f"the Runway server at {conn.uri} refused the API token in RUNWAY_TOKEN ({reason}); "
            "set RUNWAY_TOKEN to a valid token (`runway token create NAME` makes one)"
        )
    else:
        message = (
            f"the Runway server at {conn.uri} requires an API token: set RUNWAY_TOKEN "
            "(`runway token create NAME` makes one)"
        )
    raise Unauthorized(message, field="RUNWAY_TOKEN")


def check_project(conn: Connection, project: str) -> None:
    """With authentication on, a project the caller may only read is refused at ``init()``
    (``Forbidden`` naming it), once per project and process. A project it cannot see is left
    to the run's creation (a new one is created; a hidden one is refused there)."""
    if conn.user is None or conn.store is None or project in conn.writable:
        return
    try:
        found = conn.store.get_project_by_name(project)
        members = conn.store.list_project_members(found.id)
    except RunwayError:  # not found, or unreachable now: the run's writes find out
        return
    role = next((m.role for m in members if m.user == conn.user), None)
    if role == "read":
        raise Forbidden(
            f"user {conn.user!r} may only read project {project!r}; a run needs the write role "
            "(a project admin can grant it)",
            field="project",
        )
    conn.writable.add(project)


def open_store(uri: str | None = None) -> Store:
    """The store of this process for ``uri`` (``None``: ``RUNWAY_TRACKING_URI`` or
    ``./runway.db``), after every write queued for it so far was delivered or spooled, so that
    reads see them. Raises when the store cannot be reached."""
    conn = connection(resolve_tracking_uri(uri))
    if conn.store is None:
        raise StoreUnavailable(f"the tracking store {conn.uri} cannot be opened")
    first_contact(conn)
    conn.sender.flush()
    return conn.store


def flush(timeout: float | None = None, *, tracking_uri: str | None = None) -> bool:
    """Wait until every write queued in this process (for ``tracking_uri``, or for every store)
    was delivered, spooled or set aside; False if ``timeout`` passed first."""
    uri = resolve_tracking_uri(tracking_uri) if tracking_uri else None
    with _lock:
        senders = [c.sender for c in _connections.values() if uri is None or c.uri == uri]
    return all([sender.flush(timeout) for sender in senders])


def close_all() -> None:
    """At exit: every sender delivers or spools what it holds."""
    with _lock:
        senders = [c.sender for c in _connections.values()]
    for sender in senders:
        try:
            sender.close(exit_hooks.giving_up)
        except Exception:  # one store's failure must not keep the others from closing
            log.exception("runway: closing the connection to %s failed", sender.uri)


def reopen_in_child(uri: str, offline: bool) -> Sender:
    """A forked child's sender for ``uri``; its store is opened on first use."""
    cfg = settings()
    key = (uri, offline, cfg.spool_dir.expanduser(), cfg.http_timeout)
    with _lock:
        conn = _connections.get(key)
        if conn is None:
            opener = None if offline else (lambda: _open_in_child(uri))
            sender = Sender(uri, opener, Spool(), timeout=cfg.http_timeout)
            conn = _connections[key] = Connection(uri, None, sender, checked=True)
        return conn.sender


def _open_in_child(uri: str) -> Store | None:
    return _open(uri, settings().http_timeout)[0]


_paused: list[Sender] = []


def _before_fork() -> None:
    """Senders of databases finish the write in progress before the process forks."""
    with _lock:
        senders = [c.sender for c in _connections.values() if c.store is not None]
    for sender in senders:
        if not is_http(sender.uri):
            sender.pause()
            _paused.append(sender)


def _after_fork_in_parent() -> None:
    while _paused:
        _paused.pop().resume()


def after_fork_in_child() -> None:
    global _lock
    _lock = threading.Lock()  # another thread may have held it at the fork
    _after_fork_in_parent()  # the child's copies: released, then never used
    _inherited.extend(_connections.values())
    _connections.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent)


def where(uri: str) -> str:
    """Where runs to ``uri`` are recorded, for people: a database file's absolute path, a
    server's URL, a database URL without its password."""
    if uri.startswith("sqlite:///") and uri != "sqlite:///:memory:":
        return uri[len("sqlite:///") :]
    return _PASSWORD_RE.sub(r"\1:***@", uri)
