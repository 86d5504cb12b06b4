"""Migrated template databases: the six Alembic migrations run once, then every test copies.

A fresh database per test stays the rule; only its making is cheaper.

- SQLite: one migrated file per test process (made on first use, in a temporary folder removed
  at exit), copied to the test's path with ``shutil.copyfile``.
- PostgreSQL: one database ``runway_template_<hash of the migrations folder>`` per server,
  made under an advisory lock (xdist workers and concurrent runs wait for the first one), and
  per test ``CREATE DATABASE … TEMPLATE`` it. It is built under a temporary name and renamed
  when migrated, so a run killed half-way leaves no half-migrated template. Templates of other
  hashes older than a day are dropped (other branches' runs may still use recent ones).

Opening a copy still runs Alembic's upgrade, which finds the head revision and does nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from runway_core.store.sql.engine import MIGRATIONS_DIR, make_engine, migrate

TEMPLATE_PREFIX = "runway_template_"
STALE_AFTER_S = 24 * 3600
_LOCK_KEY = 0x52756E7761790001  # pg_advisory_lock key: "Runway" + 1
_sqlite_template: Path | None = None
_pg_templates: set[str] = set()


def migrations_hash() -> str:
    """A hash of every file of the migrations folder (names and contents): a new or changed
    revision makes new templates."""
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(MIGRATIONS_DIR)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _migrate_uri(uri: str) -> None:
    engine = make_engine(uri)
    try:
        migrate(engine)
    finally:
        engine.dispose()


def copy_sqlite_template(dest: Path) -> Path:
    """Put a migrated (and otherwise empty) SQLite database at ``dest``."""
    global _sqlite_template
    if _sqlite_template is None:
        folder = Path(tempfile.mkdtemp(prefix="runway-test-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "template.db"
        _migrate_uri(f"sqlite:///{path}")
        # The last connection's close checkpoints WAL into the file; a leftover would be lost.
        assert not path.with_name(path.name + "-wal").exists(), "template WAL not checkpointed"
        _sqlite_template = path
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template, dest)
    return dest


def pg_template(admin_uri: str, base_uri: str) -> str:
    """The name of the migrated template database on the server of ``admin_uri`` (a libpq
    URI), made if missing; ``base_uri`` + ``/name`` is how SQLAlchemy reaches a database."""
    name = TEMPLATE_PREFIX + migrations_hash()
    if name in _pg_templates:
        return name
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if exists.fetchone() is None:
                building = f"{TEMPLATE_PREFIX}building_{uuid.uuid4().hex[:8]}"
                conn.execute(f'CREATE DATABASE "{building}"')
                try:
                    _migrate_uri(f"{base_uri}/{building}")
                    conn.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
                    conn.execute(f"COMMENT ON DATABASE \"{name}\" IS 'made {int(time.time())}'")
                except BaseException:
                    conn.execute(f'DROP DATABASE IF EXISTS "{building}" WITH (FORCE)')
                    raise
            _drop_stale(conn, keep=name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    _pg_templates.add(name)
    return name


def _drop_stale(conn: psycopg.Connection, keep: str) -> None:
    """Drop the templates of other migration hashes made more than a day ago (and leftovers of
    an interrupted build); one still being copied from is left for the next run."""
    rows = conn.execute(
        "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database"
        " WHERE datname LIKE %s AND datname <> %s",
        (TEMPLATE_PREFIX + "%", keep),
    ).fetchall()
    now = time.time()
    for datname, comment in rows:
        made = int(comment.split()[-1]) if comment and comment.startswith("made ") else 0
        if now - made > STALE_AFTER_S:
            # In use by a concurrent CREATE … TEMPLATE: dropped next time.
            with contextlib.suppress(psycopg.Error):
                conn.execute(f'DROP DATABASE IF EXISTS "{datname}" WITH (FORCE)')
