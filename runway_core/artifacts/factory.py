"""``open_artifact_store(uri)``: a folder or ``file://`` → local disk, ``s3://bucket/…`` → S3."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from runway_core.artifacts.base import ArtifactStore, S3Credentials
from runway_core.artifacts.local import LocalArtifactStore
from runway_core.errors import InvalidInput

MiB = 1024 * 1024
# Query parameters an s3:// URI may carry; ``credential`` is read by the SQL store, which looks
# the named credential up in the run's project.
S3_URI_OPTIONS = ("endpoint_url", "region", "credential", "multipart_threshold_mb")


def parse_s3_uri(uri: str) -> tuple[str, str, dict[str, str]]:
    """``s3://bucket/prefix?endpoint_url=…`` → (bucket, prefix, options)."""
    parts = urlsplit(uri)
    if parts.scheme != "s3" or not parts.netloc:
        raise InvalidInput(f"not an s3://bucket/prefix URI: {uri!r}", field="artifacts_uri")
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = sorted(set(options) - set(S3_URI_OPTIONS))
    if unknown:
        raise InvalidInput(
            f"unknown option {unknown[0]!r} in {uri!r}; known: {', '.join(S3_URI_OPTIONS)}",
            field="artifacts_uri",
        )
    return parts.netloc, parts.path.strip("/"), options


def open_artifact_store(
    uri: str | Path, *, s3_credentials: S3Credentials | Mapping[str, Any] | None = None
) -> ArtifactStore:
    text = str(uri)
    if text.startswith("s3://"):
        from runway_core.artifacts.s3 import S3ArtifactStore

        bucket, prefix, options = parse_s3_uri(text)
        if isinstance(s3_credentials, Mapping):
            s3_credentials = S3Credentials(
                **{k: s3_credentials.get(k) for k in S3Credentials.__dataclass_fields__}
            )
        threshold = options.get("multipart_threshold_mb")
        extra: dict[str, Any] = {}
        if threshold:
            try:
                extra["multipart_threshold"] = max(5, int(threshold)) * MiB
            except ValueError:
                raise InvalidInput(
                    f"multipart_threshold_mb must be an integer, got {threshold!r}",
                    field="artifacts_uri",
                ) from None
        return S3ArtifactStore(
            bucket,
            prefix,
            credentials=s3_credentials,
            endpoint_url=options.get("endpoint_url"),
            region=options.get("region"),
            **extra,
        )
    if text.startswith("file://"):
        text = text[len("file://") :]
    elif "://" in text:
        raise InvalidInput(
            f"unsupported artifacts URI {text!r}: use a folder path or s3://bucket/prefix",
            field="artifacts_uri",
        )
    return LocalArtifactStore(text)
