"""Offset page tokens for the MLflow listings Runway answers from memory (experiments, metric
histories, artifact folders): opaque to the client, refused with a clear error when forged."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import TypeVar

from runway_core.errors import InvalidInput

T = TypeVar("T")


def encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        offset = None
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInput("page_token: not a token this server returned", field="page_token")
    return offset


def page(items: Sequence[T], max_results: int | None, token: str | None) -> tuple[list[T], str]:
    """One page of ``items`` and the token of the next ("" when this is the last)."""
    start = decode_offset(token)
    if max_results is None:
        return list(items[start:]), ""
    end = start + max_results
    return list(items[start:end]), encode_offset(end) if end < len(items) else ""
