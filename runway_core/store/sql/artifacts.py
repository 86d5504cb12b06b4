"""Artifacts in the SQL store: each run's path index here, the bytes in an ``ArtifactStore``."""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import or_
from sqlmodel import Session, col, select

from runway_core.artifacts import (
    ArtifactStore,
    S3Credentials,
    check_sha256,
    normalize_path,
    open_artifact_store,
)
from runway_core.artifacts.archive import ArchiveFormat, list_members, open_member, sniff_format
from runway_core.artifacts.diff import MAX_DIFF_BYTES, binary_message, unified_diff
from runway_core.artifacts.factory import parse_s3_uri
from runway_core.artifacts.paths import normalize_prefix, source_file
from runway_core.artifacts.preview import decode_text, guess_media_type, read_head
from runway_core.artifacts.streams import CHUNK_SIZE, ChunkReader, as_binary_io
from runway_core.config import DEFAULT_ARTIFACTS_URI
from runway_core.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from runway_core.models import ArtifactRecord, Run
from runway_core.models._common import now_ms
from runway_core.schemas import ArchiveMember, ArtifactDiff, ArtifactPreview, ArtifactPublic
from runway_core.store.folders import FolderUploads
from runway_core.store.sql.base import fresh_run_paths
from runway_core.store.sql.credentials import CredentialsMixin

_LINK_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://\S+$")
MAX_PREVIEW_BYTES = 1024 * 1024
DEFAULT_S3_CREDENTIAL = "artifacts"


def _checked(stream: BinaryIO, path: str, kind: str) -> BinaryIO:
    """``stream`` as is, or for an archive: its head checked first, then replayed."""
    if kind != "archive":
        return stream
    head = b""
    while len(head) < 512 and (chunk := stream.read(512 - len(head))):
        head += chunk
    if sniff_format(head) is None:
        raise InvalidInput(f"{path!r} is not a zip or tar archive", field="kind")
    rest = iter(lambda: stream.read(CHUNK_SIZE), b"")
    return as_binary_io(ChunkReader(itertools.chain([head], rest)))


class ArtifactsMixin(CredentialsMixin, FolderUploads):
    _artifacts_uri: str | None
    _artifact_stores: dict[tuple[str, str, int], ArtifactStore] | None = None

    # --- where the bytes go ----------------------------------------------------------------

    def _artifacts_root(self) -> str:
        if self._artifacts_uri:
            return self._artifacts_uri
        url = self._engine.url
        # The embedded default keeps artifacts beside its SQLite file.
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return str(Path(str(url.database)).expanduser().resolve().parent / "runway-artifacts")
        return DEFAULT_ARTIFACTS_URI

    def _artifact_store(self, session: Session, project_id: str) -> ArtifactStore:
        """The store for a project's runs; on S3 with the project's credential when it has one.

        The credential is the one named by ``?credential=`` in the artifacts URI (default
        ``artifacts``); without it boto3's default chain (environment, profile, role) applies.
        """
        uri = self._artifacts_root()
        if self._artifact_stores is None:
            self._artifact_stores = {}
        creds: S3Credentials | None = None
        cache_key = (uri, "", 0)
        if uri.startswith("s3://"):
            name = parse_s3_uri(uri)[2].get("credential", DEFAULT_S3_CREDENTIAL)
            found = self._credential_secrets(session, project_id, name, "s3")
            if found is not None:
                row, secrets = found
                creds = S3Credentials(name=row.name, **secrets)
                cache_key = (uri, row.id, row.updated_at)
        store = self._artifact_stores.get(cache_key)
        if store is None:
            store = open_artifact_store(uri, s3_credentials=creds)
            self._artifact_stores[cache_key] = store
        return store

    def _run_store(self, run_id: str, path: str) -> ArtifactStore:
        with self._read() as session:
            run = self._live_run(session, run_id)
            self._check_tree_clash(session, run_id, path)
            return self._artifact_store(session, run.project_id)

    # --- writes ------------------------------------------------------------------------------

    def log_artifact(
        self, run_id: str, path: str, source: BinaryIO | Path | str, *, kind: str = "file"
    ) -> ArtifactPublic:
        path = normalize_path(path)
        if kind not in ("file", "archive"):
            raise InvalidInput(f"kind must be 'file' or 'archive', got {kind!r}", field="kind")
        # An unknown run or a path clash fails before any byte is stored (no orphan objects).
        store = self._run_store(run_id, path)
        if isinstance(source, (str, os.PathLike)):
            file = source_file(source)
            with file.open("rb") as stream:
                sha, size = store.put(_checked(stream, path, kind))
        else:
            sha, size = store.put(_checked(source, path, kind))
        return self._index(
            run_id,
            path,
            kind=kind,
            size=size,
            sha256=sha,
            uri=f"sha256:{sha}",
            media_type=guess_media_type(path),
        )

    def attach_artifact_content(
        self, run_id: str, path: str, sha256: str, *, kind: str = "file"
    ) -> ArtifactPublic:
        """Index content already stored for a run of the same project at ``path``, without an
        upload. ``NotFound`` when the project has no such content: upload it instead. (Only
        the run's own project counts: knowing a hash must not give access to other content.)"""
        path = normalize_path(path)
        check_sha256(sha256)
        if kind not in ("file", "archive"):
            raise InvalidInput(f"kind must be 'file' or 'archive', got {kind!r}", field="kind")
        with self._read() as session:
            run = self._live_run(session, run_id)
            store = self._artifact_store(session, run.project_id)
            # Within a batch of writes, content found once is not looked up again.
            known: dict[tuple[str, str], int] = session.info.setdefault("runway_content", {})
            size = known.get((run.project_id, sha256))
            # The object store is asked first: unknown content (the usual miss) costs no scan.
            if size is None and store.exists(sha256):
                size = session.exec(
                    select(ArtifactRecord.size)
                    .join(Run, col(Run.id) == col(ArtifactRecord.run_id))
                    .where(ArtifactRecord.sha256 == sha256, Run.project_id == run.project_id)
                    .limit(1)
                ).first()
                if size is not None:
                    known[(run.project_id, sha256)] = size
        if size is None:
            raise NotFound(
                f"no stored content with sha256 {sha256} in this project", field="sha256"
            )
        if kind == "archive":
            self._archive_format(store, sha256, path)
        return self._index(
            run_id, path, kind=kind, size=size, sha256=sha256, uri=f"sha256:{sha256}",
            media_type=guess_media_type(path),
        )  # fmt: skip

    def link_artifact(self, run_id: str, path: str, uri: str) -> ArtifactPublic:
        path = normalize_path(path)
        if not isinstance(uri, str) or len(uri) > 4000 or not _LINK_RE.match(uri):
            raise InvalidInput(
                "uri must be an absolute URI such as s3://bucket/key, https://… or "
                "git+https://host/repo@commit",
                field="uri",
            )
        return self._index(
            run_id, path, kind="link", size=None, sha256=None, uri=uri,
            media_type=guess_media_type(path),
        )  # fmt: skip

    def _index(
        self,
        run_id: str,
        path: str,
        *,
        kind: str,
        size: int | None,
        sha256: str | None,
        uri: str,
        media_type: str | None,
    ) -> ArtifactPublic:
        """Insert or replace the run's entry at ``path`` (re-logging a path replaces it)."""
        fields = {
            "kind": kind, "size": size, "sha256": sha256, "uri": uri, "media_type": media_type
        }  # fmt: skip
        for attempt in range(2):
            try:
                with self._write() as session:
                    self._live_run(session, run_id)
                    self._check_tree_clash(session, run_id, path)
                    row = self._find_row(session, run_id, path)
                    if row is None:
                        row = ArtifactRecord(run_id=run_id, path=path, uri=uri)
                    for key, value in fields.items():
                        setattr(row, key, value)
                    row.created_at = now_ms()
                    session.add(row)
                    session.flush()
                    fresh = fresh_run_paths(session, run_id)
                    if fresh is not None:
                        fresh.add(path)
                    return ArtifactPublic.model_validate(row)
            except AlreadyExists:  # a concurrent first write of the same path: now replace it
                if attempt:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _check_tree_clash(session: Session, run_id: str, path: str) -> None:
        parts = path.split("/")
        parents = ["/".join(parts[:i]) for i in range(1, len(parts))]
        fresh = fresh_run_paths(session, run_id)
        if fresh is not None:  # all the run's artifacts are known here: no query
            below = path + "/"
            clash = next((p for p in fresh if p in parents or p.startswith(below)), None)
            if clash is not None:
                raise Conflict(
                    f"{path!r} clashes with artifact {clash!r}: a path cannot be a file and a "
                    "folder",
                    field="path",
                )
            return
        clash = session.exec(
            select(ArtifactRecord.path).where(
                ArtifactRecord.run_id == run_id,
                or_(
                    col(ArtifactRecord.path).in_(parents),
                    col(ArtifactRecord.path).startswith(path + "/", autoescape=True),
                ),
            )
        ).first()
        if clash is not None:
            raise Conflict(
                f"{path!r} clashes with artifact {clash!r}: a path cannot be a file and a folder",
                field="path",
            )

    # --- reads -------------------------------------------------------------------------------

    @staticmethod
    def _find_row(session: Session, run_id: str, path: str) -> ArtifactRecord | None:
        fresh = fresh_run_paths(session, run_id)
        if fresh is not None and path not in fresh:
            return None
        return session.exec(
            select(ArtifactRecord).where(
                ArtifactRecord.run_id == run_id, ArtifactRecord.path == path
            )
        ).first()

    def _record(
        self, run_id: str, path: str, *, missing_ok: bool = False
    ) -> tuple[ArtifactRecord | None, ArtifactStore]:
        path = normalize_path(path)
        with self._read() as session:
            run = self._live_run(session, run_id)
            row = self._find_row(session, run_id, path)
            if row is None and not missing_ok:
                raise NotFound(f"run {run_id} has no artifact {path!r}", field="path")
            return row, self._artifact_store(session, run.project_id)

    def _stored(self, run_id: str, path: str) -> tuple[ArtifactRecord, ArtifactStore, str]:
        row, store = self._record(run_id, path)
        assert row is not None
        if row.kind == "link" or row.sha256 is None:
            raise InvalidInput(
                f"{row.path!r} is a link to {row.uri}; Runway holds no bytes for it",
                field="path",
            )
        return row, store, row.sha256

    def list_artifacts(self, run_id: str, *, prefix: str = "") -> list[ArtifactPublic]:
        prefix = normalize_prefix(prefix)
        with self._read() as session:
            self._live_run(session, run_id)
            query = select(ArtifactRecord).where(ArtifactRecord.run_id == run_id)
            if prefix:
                query = query.where(
                    or_(
                        col(ArtifactRecord.path) == prefix,
                        col(ArtifactRecord.path).startswith(prefix + "/", autoescape=True),
                    )
                )
            rows = session.exec(query.order_by(col(ArtifactRecord.path))).all()
            return [ArtifactPublic.model_validate(r) for r in rows]

    def get_artifact(self, run_id: str, path: str) -> ArtifactPublic:
        row, _ = self._record(run_id, path)
        return ArtifactPublic.model_validate(row)

    def open_artifact(self, run_id: str, path: str) -> BinaryIO:
        _, store, sha = self._stored(run_id, path)
        return store.open(sha)

    def preview_artifact(
        self, run_id: str, path: str, *, max_bytes: int = 64 * 1024
    ) -> ArtifactPreview:
        if not 1 <= max_bytes <= MAX_PREVIEW_BYTES:
            raise InvalidInput(
                f"max_bytes must be between 1 and {MAX_PREVIEW_BYTES}", field="max_bytes"
            )
        row, store, sha = self._stored(run_id, path)
        head, truncated = read_head(store.open(sha), max_bytes)
        text = decode_text(head, truncated=truncated)
        media = row.media_type or ("text/plain" if text is not None else "application/octet-stream")
        return ArtifactPreview(
            run_id=run_id,
            path=row.path,
            size=row.size,
            media_type=media,
            is_text=text is not None,
            truncated=truncated,
            text=text,
        )

    def diff_artifacts(
        self, run_a: str, path_a: str, run_b: str, path_b: str | None = None
    ) -> ArtifactDiff:
        path_b = path_b or path_a
        row_a, store_a = self._record(run_a, path_a, missing_ok=True)
        row_b, store_b = self._record(run_b, path_b, missing_ok=True)
        if row_a is None and row_b is None:
            raise NotFound(
                f"neither run {run_a} has {path_a!r} nor run {run_b} has {path_b!r}", field="path"
            )
        result = ArtifactDiff(
            run_a=run_a,
            path_a=normalize_path(path_a),
            run_b=run_b,
            path_b=normalize_path(path_b),
            identical=False,
            size_a=row_a.size if row_a else None,
            size_b=row_b.size if row_b else None,
            sha256_a=row_a.sha256 if row_a else None,
            sha256_b=row_b.sha256 if row_b else None,
        )
        if row_a is None or row_b is None:
            run, path = (run_a, path_a) if row_a is None else (run_b, path_b)
            result.message = f"{path} is missing in run {run}"
            return result
        if row_a.kind == "link" or row_b.kind == "link":
            result.identical = row_a.uri == row_b.uri
            result.message = "identical links" if result.identical else "links differ"
            result.diff = "" if result.identical else f"- {row_a.uri}\n+ {row_b.uri}\n"
            return result
        if row_a.sha256 == row_b.sha256:
            result.identical = True
            result.message = "identical"
            return result
        assert row_a.sha256 is not None and row_b.sha256 is not None
        head_a, cut_a = read_head(store_a.open(row_a.sha256), MAX_DIFF_BYTES)
        head_b, cut_b = read_head(store_b.open(row_b.sha256), MAX_DIFF_BYTES)
        text_a = decode_text(head_a, truncated=cut_a)
        text_b = decode_text(head_b, truncated=cut_b)
        if text_a is None or text_b is None:
            result.binary = True
            result.message = binary_message(row_a.size, row_b.size)
            return result
        result.diff = unified_diff(text_a, text_b, f"a/{result.path_a}", f"b/{result.path_b}")
        if cut_a or cut_b:
            result.message = f"compared the first {MAX_DIFF_BYTES // 1024 // 1024} MiB only"
        return result

    def list_archive(self, run_id: str, path: str) -> list[ArchiveMember]:
        _, store, sha = self._stored(run_id, path)
        fmt = self._archive_format(store, sha, path)
        opener = store.open_seekable if fmt == "zip" else store.open
        return list_members(fmt, lambda: opener(sha))

    def open_archive_member(self, run_id: str, path: str, member: str) -> BinaryIO:
        if not isinstance(member, str) or not member or "\x00" in member:
            raise InvalidInput("member must be a non-empty archive member name", field="member")
        _, store, sha = self._stored(run_id, path)
        fmt = self._archive_format(store, sha, path)
        stream = store.open_seekable(sha) if fmt == "zip" else store.open(sha)
        return open_member(fmt, stream, member)

    @staticmethod
    def _archive_format(store: ArtifactStore, sha: str, path: str) -> ArchiveFormat:
        head, _ = read_head(store.open(sha), 512)
        fmt = sniff_format(head)
        if fmt is None:
            raise InvalidInput(f"{path!r} is not a zip or tar archive", field="path")
        return fmt
