"""Long ``IN (…)`` lists sent in slices, so no statement exceeds a database's bound values.

PostgreSQL allows 65,535 bound values per statement and SQLite 32,766 (its default since 3.32);
beyond them a statement fails as a database error, which clients read as "unavailable" and retry.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# Well under both limits, leaving room for the statement's other bound values.
IN_SLICE = 10_000


def in_slices(values: Sequence[T], size: int = IN_SLICE) -> Iterator[list[T]]:
    """``values`` in consecutive slices of at most ``size`` (none for an empty sequence)."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])
