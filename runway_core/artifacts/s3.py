"""Artifact store on S3 or any S3-compatible server (MinIO, Ceph, SeaweedFS) through boto3."""

from __future__ import annotations

import contextlib
import hashlib
import io
import uuid
from typing import Any, BinaryIO, NoReturn, cast

from runway_core.artifacts.base import S3Credentials, object_key
from runway_core.artifacts.streams import CHUNK_SIZE, as_binary_io
from runway_core.errors import Forbidden, InvalidInput, NotFound, RunwayError, StoreUnavailable

MiB = 1024 * 1024
DEFAULT_MULTIPART_THRESHOLD = 16 * MiB
_AUTH_CODES = {
    "403",
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "Forbidden",
}


class _HashingReader:
    """Read-only, deliberately non-seekable: boto3 then reads it once, in order, part by part."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, n: int = -1) -> bytes:
        chunk = self._stream.read(n if n and n > 0 else CHUNK_SIZE)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


class _RangeReader(io.RawIOBase):
    """Random access to one object by HTTP range requests (zip reads only its directory)."""

    def __init__(self, store: S3ArtifactStore, key: str, size: int):
        self._store, self._key, self._size, self._pos = store, key, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._pos >= self._size or len(buffer) == 0:
            return 0
        end = min(self._size, self._pos + len(buffer)) - 1
        try:
            body = self._store.client.get_object(
                Bucket=self._store.bucket, Key=self._key, Range=f"bytes={self._pos}-{end}"
            )["Body"]
            data = body.read()
        except Exception as exc:
            self._store.raise_for(exc, f"read {self._key}")
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


class S3ArtifactStore:
    """``s3://bucket/prefix``; objects at ``prefix/objects/ab/cdef…``."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        credentials: S3Credentials | None = None,
        endpoint_url: str | None = None,
        region: str | None = None,
        multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
        multipart_chunksize: int = 8 * MiB,
    ):
        try:
            import boto3
            from boto3.s3.transfer import TransferConfig
            from botocore.config import Config
        except ImportError as exc:
            raise InvalidInput(
                "s3:// artifact stores need boto3: pip install 'runway-tracker[s3]'"
            ) from exc
        creds = credentials or S3Credentials()
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.credential_name = creds.name
        self.uri = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self._client_args: dict[str, Any] = {
            "endpoint_url": creds.endpoint_url or endpoint_url,
            "region_name": creds.region or region,
            "aws_access_key_id": creds.access_key_id,
            "aws_secret_access_key": creds.secret_access_key,
        }
        self._probes: tuple[Any, Any] | None = None
        self.client: Any = boto3.session.Session().client(
            "s3",
            **self._client_args,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}),
        )
        self.transfer_config = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=max(5 * MiB, multipart_chunksize),
            max_concurrency=4,
        )
        # A non-seekable upload buffers up to this many parts in memory: keep memory flat.
        self.transfer_config.max_in_memory_upload_chunks = 4

    def _key(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def raise_for(self, exc: BaseException, action: str) -> NoReturn:
        """Turn a boto error into a typed RunwayError that names the credential in use."""
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        who = (
            f"credential {self.credential_name!r}"
            if self.credential_name
            else "the default AWS credentials"
        )
        if isinstance(exc, RunwayError):
            raise exc
        if isinstance(exc, ClientError):
            err = exc.response.get("Error", {})
            code = str(err.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in _AUTH_CODES or status == 403:
                raise Forbidden(
                    f"S3 refused {who} on {self.uri} ({code or status}): "
                    "check its access key and secret",
                    field="credential",
                ) from None
            if code in ("NoSuchBucket",):
                raise NotFound(
                    f"S3 bucket {self.bucket!r} does not exist", field="bucket"
                ) from None
            if code in ("NoSuchKey", "404", "NotFound"):
                raise NotFound(f"S3 object missing while trying to {action}") from None
            raise StoreUnavailable(
                f"S3 error on {self.uri} ({code}): {err.get('Message')}"
            ) from None
        if isinstance(exc, NoCredentialsError):
            raise Forbidden(
                f"no S3 credentials for {self.uri}: add an s3 credential to the project "
                "or set AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY",
                field="credential",
            ) from None
        if isinstance(exc, BotoCoreError):
            raise StoreUnavailable(f"S3 at {self.uri} unreachable: {exc}") from None
        raise exc

    def put(self, stream: BinaryIO) -> tuple[str, int]:
        # The hash is known only at the end: upload under a temporary key, then copy to the
        # content address (server side) unless those bytes are already there. A cut-off
        # upload leaves no object under objects/ (an unfinished multipart upload is invisible).
        tmp_key = self._key(f"tmp/{uuid.uuid4().hex}")
        reader = _HashingReader(stream)
        try:
            self.client.upload_fileobj(reader, self.bucket, tmp_key, Config=self.transfer_config)
        except Exception as exc:
            self.raise_for(exc, "upload")
        try:
            sha = reader.digest.hexdigest()
            key = self._key(object_key(sha))
            if not self._head(key):
                self.client.copy(
                    {"Bucket": self.bucket, "Key": tmp_key},
                    self.bucket,
                    key,
                    Config=self.transfer_config,
                )
        except Exception as exc:
            self.raise_for(exc, "store")
        finally:
            # A leftover tmp/ object costs space, never correctness.
            with contextlib.suppress(Exception):
                self.client.delete_object(Bucket=self.bucket, Key=tmp_key)
        return sha, reader.size

    def _head(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return cast(dict[str, Any], self.client.head_object(Bucket=self.bucket, Key=key))
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey", "NotFound"):
                return None
            self.raise_for(exc, f"check {key}")
        except Exception as exc:
            self.raise_for(exc, f"check {key}")

    def open(self, sha256: str) -> BinaryIO:
        key = self._key(object_key(sha256))
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except Exception as exc:
            self.raise_for(exc, f"read {sha256}")
        return cast(BinaryIO, body)

    def open_seekable(self, sha256: str) -> BinaryIO:
        key = self._key(object_key(sha256))
        return as_binary_io(_RangeReader(self, key, self.size(sha256)))

    def exists(self, sha256: str) -> bool:
        return self._head(self._key(object_key(sha256))) is not None

    def size(self, sha256: str) -> int:
        head = self._head(self._key(object_key(sha256)))
        if head is None:
            raise NotFound(f"artifact content {sha256} is missing from {self.uri}")
        return int(head["ContentLength"])

    def delete(self, sha256: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(object_key(sha256)))
        except Exception as exc:
            self.raise_for(exc, f"delete {sha256}")

    def check(self) -> None:
        """``HeadBucket`` with short timeouts and no retries, so a probe answers in seconds.

        Without credentials (the server relies on per-project credentials) the probe is sent
        unsigned: a 403 then still shows the endpoint answers and the bucket exists.
        """
        from botocore.exceptions import ClientError, NoCredentialsError

        signed, unsigned = self._probe_clients()
        try:
            try:
                signed.head_bucket(Bucket=self.bucket)
            except NoCredentialsError:
                try:
                    unsigned.head_bucket(Bucket=self.bucket)
                except ClientError as exc:
                    if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") != 403:
                        raise
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise StoreUnavailable(f"S3 bucket {self.bucket!r} does not exist") from None
            self._unavailable(exc)
        except Exception as exc:
            self._unavailable(exc)

    def _probe_clients(self) -> tuple[Any, Any]:
        """Two clients for ``check`` (made once: a boto3 client takes a while to build)."""
        if self._probes is None:
            import boto3
            from botocore import UNSIGNED
            from botocore.config import Config

            quick = Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 1})
            session = boto3.session.Session()
            self._probes = (
                session.client("s3", **self._client_args, config=quick),
                session.client(
                    "s3",
                    **self._client_args,
                    config=quick.merge(Config(signature_version=UNSIGNED)),
                ),
            )
        return self._probes

    def _unavailable(self, exc: Exception) -> NoReturn:
        try:
            self.raise_for(exc, "check the bucket")
        except RunwayError as err:
            raise StoreUnavailable(err.message) from None
