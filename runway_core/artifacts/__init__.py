"""Artifact storage: content-addressed bytes on local disk or S3, plus paths, archives and diffs."""

from runway_core.artifacts.base import ArtifactStore, S3Credentials, check_sha256, object_key
from runway_core.artifacts.factory import open_artifact_store, parse_s3_uri
from runway_core.artifacts.local import LocalArtifactStore
from runway_core.artifacts.paths import iter_folder, normalize_path

__all__ = [
    "ArtifactStore",
    "LocalArtifactStore",
    "S3Credentials",
    "check_sha256",
    "iter_folder",
    "normalize_path",
    "object_key",
    "open_artifact_store",
    "parse_s3_uri",
]
