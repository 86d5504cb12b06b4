"""Artifacts over HTTP: streaming upload, links, tree listing, download, preview, archives, diff.

Uploads are ``PUT /runs/{run_id}/artifacts/{path}`` with the raw bytes as the body, received
without holding a request thread (``api.uploads``) and bounded by their own size limit.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any, BinaryIO
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from runway_core.artifacts import normalize_path
from runway_core.artifacts.streams import iter_chunks
from runway_core.artifacts.tree import build_tree
from runway_core.schemas import ArchiveMember, ArtifactDiff, ArtifactPreview, ArtifactPublic

from ..deps import StoreDep
from ..uploads import uploads

router = APIRouter(tags=["artifacts"])
UPLOAD_PATH = "/runs/{run_id}/artifacts/{path:path}"


class ArtifactLink(BaseModel):
    uri: str


class ArtifactContent(BaseModel):
    sha256: str
    kind: str = "file"


class ArtifactsPublic(BaseModel):
    data: list[ArtifactPublic]
    count: int
    tree: list[dict[str, Any]]


class ArchiveMembersPublic(BaseModel):
    data: list[ArchiveMember]
    count: int


def download_response(stream: BinaryIO, name: str, media_type: str | None, size: int | None) -> Any:
    headers = {"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    if size is not None:
        headers["content-length"] = str(size)
    body: Iterator[bytes] = iter_chunks(stream)
    return StreamingResponse(
        body, media_type=media_type or "application/octet-stream", headers=headers
    )


@router.put(UPLOAD_PATH, status_code=status.HTTP_201_CREATED, response_model=ArtifactPublic)
async def upload_artifact(
    run_id: str,
    path: str,
    request: Request,
    store: StoreDep,
    kind: str = Query("file", description="file, or archive for a .zip/.tar(.gz) to browse"),
) -> ArtifactPublic:
    """Store the raw request body at ``path``; re-uploading a path replaces its entry.

    At most ``RUNWAY_MAX_UPLOAD_BYTES`` (413), a body that stalls or trickles is cut (408), and
    a caller has at most ``RUNWAY_UPLOADS_PER_USER`` uploads in progress (429)."""
    normalize_path(path)  # a bad path is refused before the body is received
    return await uploads(request).take(
        request, functools.partial(store.log_artifact, run_id, path, kind=kind)
    )


@router.post(UPLOAD_PATH, status_code=status.HTTP_201_CREATED, response_model=ArtifactPublic)
def link_artifact(run_id: str, path: str, body: ArtifactLink, store: StoreDep) -> ArtifactPublic:
    """Record a link (``s3://…``, ``https://…``, ``git+https://…@commit``) without upload."""
    return store.link_artifact(run_id, path, body.uri)


@router.post(
    "/runs/{run_id}/artifact-content/{path:path}",
    status_code=status.HTTP_201_CREATED,
    response_model=ArtifactPublic,
)
def attach_artifact_content(
    run_id: str, path: str, body: ArtifactContent, store: StoreDep
) -> ArtifactPublic:
    """Index content already stored for this project (by ``sha256``) at ``path``, with no
    upload; 404 when the project holds no such content (then upload it with PUT)."""
    return store.attach_artifact_content(run_id, path, body.sha256, kind=body.kind)


@router.get("/runs/{run_id}/artifacts", response_model=ArtifactsPublic)
def list_artifacts(run_id: str, store: StoreDep, prefix: str = "") -> ArtifactsPublic:
    """The run's artifacts as a flat list and as a folder tree."""
    data = store.list_artifacts(run_id, prefix=prefix)
    return ArtifactsPublic(data=data, count=len(data), tree=build_tree(data))


@router.get(UPLOAD_PATH)
def download_artifact(run_id: str, path: str, store: StoreDep) -> Any:
    art = store.get_artifact(run_id, path)
    stream = store.open_artifact(run_id, art.path)
    return download_response(stream, art.path.rsplit("/", 1)[-1], art.media_type, art.size)


@router.get("/runs/{run_id}/artifact-info/{path:path}", response_model=ArtifactPublic)
def get_artifact(run_id: str, path: str, store: StoreDep) -> ArtifactPublic:
    """The run's index entry at ``path`` (size, sha256, media type, link URI), without its bytes."""
    return store.get_artifact(run_id, path)


@router.get("/runs/{run_id}/preview/{path:path}", response_model=ArtifactPreview)
def preview_artifact(
    run_id: str, path: str, store: StoreDep, max_bytes: int = 64 * 1024
) -> ArtifactPreview:
    return store.preview_artifact(run_id, path, max_bytes=max_bytes)


@router.get("/runs/{run_id}/archive/{path:path}", response_model=None)
def archive(
    run_id: str, path: str, store: StoreDep, member: str | None = None
) -> ArchiveMembersPublic | StreamingResponse:
    """Without ``member``: the archive's member list. With it: that member's bytes."""
    if member is None:
        members = store.list_archive(run_id, path)
        return ArchiveMembersPublic(data=members, count=len(members))
    stream = store.open_archive_member(run_id, path, member)
    return download_response(stream, member.rsplit("/", 1)[-1], None, None)


@router.get("/artifacts/diff", response_model=ArtifactDiff)
def diff_artifacts(
    store: StoreDep, run_a: str, path_a: str, run_b: str, path_b: str | None = None
) -> ArtifactDiff:
    """A unified diff of two text artifacts (``path_b`` defaults to ``path_a``)."""
    return store.diff_artifacts(run_a, path_a, run_b, path_b)
