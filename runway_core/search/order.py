"""``order_by`` items (``"metrics.val_acc DESC"``, ``"params.lr"``) parsed into sort keys."""

from __future__ import annotations

from dataclasses import dataclass

from runway_core.errors import InvalidFilter
from runway_core.search.ast import Field
from runway_core.search.fields import resolve_field
from runway_core.search.lexer import Kind, Lexer, filter_error

MAX_ORDER_KEYS = 10
DEFAULT_ORDER = ["attributes.start_time DESC"]


@dataclass(frozen=True)
class OrderKey:
    """Sort by ``field``; runs without a value come last in either direction."""

    field: Field
    descending: bool
    position: int  # index of the item in the order_by list

    def __str__(self) -> str:
        return f"{self.field} {'DESC' if self.descending else 'ASC'}"


def parse_order_by(items: list[str] | None) -> list[OrderKey]:
    """Parse ``order_by``; each item is a field, optionally followed by ASC (default) or DESC."""
    items = list(items or [])
    if len(items) > MAX_ORDER_KEYS:
        raise InvalidFilter(
            f"order_by: {len(items)} keys is more than the limit of {MAX_ORDER_KEYS}",
            field="order_by",
        )
    return [_parse_item(item, i) for i, item in enumerate(items)]


def _parse_item(item: str, index: int) -> OrderKey:
    where = f"order_by[{index}]"
    if not isinstance(item, str) or not item.strip():
        raise InvalidFilter(
            f"{where}: expected a field such as 'metrics.val_acc DESC', got {item!r}",
            position=0,
            field="order_by",
        )
    tokens = Lexer(item, where=where).tokens()
    first = tokens[0]
    if first.kind is not Kind.FIELD:
        raise filter_error(
            f"expected a field (metrics.<key>, params.<key>, tags.<key> or attributes.<name>), "
            f"found {first.describe()}",
            first.position,
            where=where,
        )
    field = resolve_field(first, where=where)
    descending = False
    rest = tokens[1:]
    if rest[0].kind is Kind.WORD and rest[0].value in ("asc", "desc"):
        descending = rest[0].value == "desc"
        rest = rest[1:]
    if rest[0].kind is not Kind.EOF:
        raise filter_error(
            f"expected ASC, DESC or the end after {first.text}, found {rest[0].describe()}",
            rest[0].position,
            where=where,
        )
    return OrderKey(field, descending, index)
