"""Pack metric arrays into chunk blobs and back (little-endian int64 / float64 arrays)."""

from __future__ import annotations

import sys
from array import array
from collections.abc import Sequence

_SWAP = sys.byteorder != "little"


def pack_ints(values: Sequence[int]) -> bytes:
    arr = array("q", values)
    if _SWAP:
        arr.byteswap()
    return arr.tobytes()


def pack_floats(values: Sequence[float]) -> bytes:
    arr = array("d", values)
    if _SWAP:
        arr.byteswap()
    return arr.tobytes()


def unpack_ints(blob: bytes) -> array[int]:
    arr = array("q")
    arr.frombytes(blob)
    if _SWAP:
        arr.byteswap()
    return arr


def unpack_floats(blob: bytes) -> array[float]:
    arr = array("d")
    arr.frombytes(blob)
    if _SWAP:
        arr.byteswap()
    return arr
