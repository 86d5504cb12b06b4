"""Artifacts on the wire: a run's path index entry, previews, diffs and archive members."""

from __future__ import annotations

from pydantic import Field

from runway_core.schemas._common import Schema


class ArtifactBase(Schema):
    path: str = Field(max_length=1000)
    kind: str = Field(default="file", max_length=16)  # file | archive | link
    size: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    uri: str  # "sha256:<hex>" for stored content, the link otherwise
    media_type: str | None = Field(default=None, max_length=120)


class ArtifactPublic(ArtifactBase):
    id: str
    run_id: str
    created_at: int


class ArtifactPreview(Schema):
    """The head of a stored file, decoded when it is text."""

    run_id: str
    path: str
    size: int | None
    media_type: str | None
    is_text: bool
    truncated: bool
    text: str | None = None


class ArtifactDiff(Schema):
    """A unified diff of two text artifacts, or why there is none (binary, missing)."""

    run_a: str
    path_a: str
    run_b: str
    path_b: str
    identical: bool
    binary: bool = False
    diff: str = ""
    message: str = ""
    size_a: int | None = None
    size_b: int | None = None
    sha256_a: str | None = None
    sha256_b: str | None = None


class ArchiveMember(Schema):
    name: str
    size: int
    is_dir: bool = False
