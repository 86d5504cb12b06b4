"""The head of an artifact for display: first N bytes, whether it is text, and its media type."""

from __future__ import annotations

import codecs
import mimetypes
from typing import BinaryIO

TEXT_TYPES = ("application/json", "application/xml", "application/yaml", "application/x-yaml")
_EXTRA_TEXT_SUFFIXES = {
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".md": "text/markdown",
    ".toml": "application/toml",
    ".log": "text/plain",
    ".jsonl": "application/jsonl",
}


def guess_media_type(path: str) -> str | None:
    lower = path.lower()
    for suffix, media in _EXTRA_TEXT_SUFFIXES.items():
        if lower.endswith(suffix):
            return media
    return mimetypes.guess_type(path, strict=False)[0]


def read_head(stream: BinaryIO, max_bytes: int) -> tuple[bytes, bool]:
    """Up to ``max_bytes`` from the stream and whether more followed; closes the stream."""
    with stream:
        data = b""
        while len(data) <= max_bytes:
            chunk = stream.read(max_bytes + 1 - len(data))
            if not chunk:
                break
            data += chunk
    return data[:max_bytes], len(data) > max_bytes


def decode_text(data: bytes, *, truncated: bool) -> str | None:
    """UTF-8 text, or None when the bytes look binary (a NUL, invalid UTF-8, many controls)."""
    if b"\x00" in data:
        return None
    try:
        # A cut in the middle of a multi-byte character is fine when we truncated there.
        text = codecs.getincrementaldecoder("utf-8")().decode(data, final=not truncated)
    except UnicodeDecodeError:
        return None
    if text:
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f\b\x1b")
        if controls / len(text) > 0.05:
            return None
    return text.removeprefix("\ufeff")
