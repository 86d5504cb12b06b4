"""Browse archives without unpacking: list the members of a zip or tar, open one as a stream."""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Callable
from typing import BinaryIO, Literal, cast

from runway_core.artifacts.streams import ChunkReader, as_binary_io, iter_chunks
from runway_core.errors import InvalidInput, NotFound
from runway_core.schemas import ArchiveMember

ArchiveFormat = Literal["zip", "tar"]
# tarfile's "r|*" reads plain, gzip, bz2 and xz tars as one forward stream.
_COMPRESSED_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


def sniff_format(head: bytes) -> ArchiveFormat | None:
    """Recognise an archive by its first 512 bytes, not by its name."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(_COMPRESSED_MAGIC) or head[257:262] == b"ustar":
        return "tar"
    return None


def list_members(fmt: ArchiveFormat, open_stream: Callable[[], BinaryIO]) -> list[ArchiveMember]:
    """Members in archive order. ``open_stream`` must give a seekable stream for zip."""
    with open_stream() as stream:
        try:
            if fmt == "zip":
                with zipfile.ZipFile(stream) as zf:
                    return [
                        ArchiveMember(name=i.filename, size=i.file_size, is_dir=i.is_dir())
                        for i in zf.infolist()
                    ]
            with tarfile.open(fileobj=stream, mode="r|*") as tf:
                return [
                    ArchiveMember(name=m.name, size=m.size, is_dir=m.isdir())
                    for m in tf
                    if m.isfile() or m.isdir()
                ]
        except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
            raise InvalidInput(f"not a readable {fmt} archive: {exc}", field="path") from None


def open_member(fmt: ArchiveFormat, stream: BinaryIO, member: str) -> BinaryIO:
    """A stream of one member's bytes; closing it closes the archive. ``NotFound`` if absent."""
    try:
        if fmt == "zip":
            return _open_zip_member(stream, member)
        return _open_tar_member(stream, member)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
        stream.close()
        raise InvalidInput(f"not a readable {fmt} archive: {exc}", field="path") from None


def _open_zip_member(stream: BinaryIO, member: str) -> BinaryIO:
    zf = zipfile.ZipFile(stream)
    info = zf.NameToInfo.get(member)
    if info is None or info.is_dir():
        zf.close()
        stream.close()
        raise NotFound(f"archive has no file member {member!r}", field="member")
    inner = cast(BinaryIO, zf.open(info))

    def close_zip() -> None:
        inner.close()
        zf.close()
        stream.close()

    return as_binary_io(ChunkReader(iter_chunks(inner), close_zip))


def _open_tar_member(stream: BinaryIO, member: str) -> BinaryIO:
    # Stream mode reads forward only, so the archive stays open until the member is consumed.
    tf = tarfile.open(fileobj=stream, mode="r|*")  # noqa: SIM115
    for info in tf:
        if info.name == member and info.isfile():
            extracted = cast(BinaryIO, tf.extractfile(info))

            def close_tar() -> None:
                tf.close()
                stream.close()

            return as_binary_io(ChunkReader(iter_chunks(extracted), close_tar))
    tf.close()
    stream.close()
    raise NotFound(f"archive has no file member {member!r}", field="member")
