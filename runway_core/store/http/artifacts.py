"""Artifacts in ``HttpStore``: uploads stream from a file or stream, downloads stream back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import httpx

from runway_core.artifacts.paths import normalize_path, source_file
from runway_core.artifacts.streams import CHUNK_SIZE, ChunkReader, as_binary_io
from runway_core.errors import StoreUnavailable
from runway_core.schemas import ArchiveMember, ArtifactDiff, ArtifactPreview, ArtifactPublic
from runway_core.store.folders import FolderUploads
from runway_core.store.http.base import (
    HttpBase,
    encode,
    error_from_response,
    json_body,
    segment,
)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while True:
        chunk = stream.read(CHUNK_SIZE)
        if not chunk:
            return
        yield chunk


def _read(response: httpx.Response) -> bytes:
    try:
        return response.read()
    finally:
        response.close()


class ArtifactsMixin(FolderUploads, HttpBase):
    def _artifact_url(self, run_id: str, kind: str, path: str) -> str:
        return f"/runs/{segment(run_id)}/{kind}/{quote(normalize_path(path), safe='/')}"

    def _send_streaming(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Like ``_send`` but the answer's body is left unread, to stream it."""
        headers = {**self._headers, **kwargs.pop("headers", {})}
        try:
            request = self._client.build_request(
                method, self._api + path, headers=headers, **kwargs
            )
            response = self._client.send(request, stream=True)
        except httpx.TransportError as exc:
            raise StoreUnavailable(
                f"cannot reach the Runway server at {self.base_url}: {exc or type(exc).__name__}"
            ) from exc
        if response.status_code >= 300:
            _read(response)
            raise error_from_response(response)
        return response

    def log_artifact(
        self, run_id: str, path: str, source: BinaryIO | Path | str, *, kind: str = "file"
    ) -> ArtifactPublic:
        url = self._artifact_url(run_id, "artifacts", path)
        headers = {"content-type": "application/octet-stream"}
        if isinstance(source, (str, os.PathLike)):
            file = source_file(source)
            with file.open("rb") as stream:
                headers["content-length"] = str(file.stat().st_size)
                response = self._send(
                    "PUT", url, content=_chunks(stream), params={"kind": kind}, headers=headers
                )
        else:
            response = self._send(
                "PUT", url, content=_chunks(source), params={"kind": kind}, headers=headers
            )
        return ArtifactPublic.model_validate(json_body(response))

    def attach_artifact_content(
        self, run_id: str, path: str, sha256: str, *, kind: str = "file"
    ) -> ArtifactPublic:
        url = self._artifact_url(run_id, "artifact-content", path)
        body = self._request("POST", url, content=encode({"sha256": sha256, "kind": kind}))
        return ArtifactPublic.model_validate(body)

    def link_artifact(self, run_id: str, path: str, uri: str) -> ArtifactPublic:
        url = self._artifact_url(run_id, "artifacts", path)
        response = self._send(
            "POST", url, content=encode({"uri": uri}), headers={"content-type": "application/json"}
        )
        return ArtifactPublic.model_validate(json_body(response))

    def list_artifacts(self, run_id: str, *, prefix: str = "") -> list[ArtifactPublic]:
        body = self._request("GET", f"/runs/{segment(run_id)}/artifacts", params={"prefix": prefix})
        return [ArtifactPublic.model_validate(a) for a in body["data"]]

    def get_artifact(self, run_id: str, path: str) -> ArtifactPublic:
        body = self._request("GET", self._artifact_url(run_id, "artifact-info", path))
        return ArtifactPublic.model_validate(body)

    def _stream(self, url: str, params: dict[str, Any] | None = None) -> BinaryIO:
        response = self._send_streaming("GET", url, params=params)
        return as_binary_io(ChunkReader(response.iter_bytes(CHUNK_SIZE), response.close))

    def open_artifact(self, run_id: str, path: str) -> BinaryIO:
        return self._stream(self._artifact_url(run_id, "artifacts", path))

    def preview_artifact(
        self, run_id: str, path: str, *, max_bytes: int = 64 * 1024
    ) -> ArtifactPreview:
        url = self._artifact_url(run_id, "preview", path)
        body = self._request("GET", url, params={"max_bytes": max_bytes})
        return ArtifactPreview.model_validate(body)

    def diff_artifacts(
        self, run_a: str, path_a: str, run_b: str, path_b: str | None = None
    ) -> ArtifactDiff:
        params = {"run_a": run_a, "path_a": path_a, "run_b": run_b}
        if path_b is not None:
            params["path_b"] = path_b
        return ArtifactDiff.model_validate(self._request("GET", "/artifacts/diff", params=params))

    def list_archive(self, run_id: str, path: str) -> list[ArchiveMember]:
        url = self._artifact_url(run_id, "archive", path)
        body = self._request("GET", url)
        return [ArchiveMember.model_validate(m) for m in body["data"]]

    def open_archive_member(self, run_id: str, path: str, member: str) -> BinaryIO:
        return self._stream(self._artifact_url(run_id, "archive", path), {"member": member})
