"""The typed syntax tree of a search filter; every node keeps its 0-based source position."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldKind = Literal["metric", "param", "tag", "attribute"]
MetricAggregate = Literal["last", "min", "max", "count"]
CompareOp = Literal["=", "!=", "<", "<=", ">", ">="]
LiteralValue = str | int | float

PREFIXES: dict[str, FieldKind] = {
    "metrics": "metric",
    "metric": "metric",
    "params": "param",
    "param": "param",
    "tags": "tag",
    "tag": "tag",
    "attributes": "attribute",
    "attribute": "attribute",
    "attr": "attribute",
}
_CANONICAL_PREFIX: dict[FieldKind, str] = {
    "metric": "metrics",
    "param": "params",
    "tag": "tags",
    "attribute": "attributes",
}


@dataclass(frozen=True)
class Field:
    """``metrics.<key>[.<aggregate>]``, ``params.<key>``, ``tags.<key>`` or ``attributes.<name>``.

    ``aggregate`` is set for metrics only (``last`` when not written); attribute names are
    canonical (``run_id`` becomes ``id``).
    """

    kind: FieldKind
    key: str
    position: int
    aggregate: MetricAggregate | None = None

    def __str__(self) -> str:
        key = self.key if _plain_key(self.key) else "`" + self.key.replace("`", "``") + "`"
        text = f"{_CANONICAL_PREFIX[self.kind]}.{key}"
        if self.aggregate not in (None, "last"):
            text += f".{self.aggregate}"
        return text


def _plain_key(key: str) -> bool:
    return all(ch.isascii() and (ch.isalnum() or ch in "_-/:.") for ch in key) and not (
        key.rsplit(".", 1)[-1] in ("max", "min", "last", "count") and "." in key
    )


@dataclass(frozen=True)
class Value:
    """A literal. ``value`` is what is compared (a time string already turned into epoch ms);
    ``raw`` is the source text."""

    value: LiteralValue
    raw: str
    position: int

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, (int, float))


@dataclass(frozen=True)
class Comparison:
    field: Field
    op: CompareOp
    value: Value
    position: int  # of the operator


@dataclass(frozen=True)
class InList:
    field: Field
    values: tuple[Value, ...]
    negated: bool
    position: int  # of IN / NOT


@dataclass(frozen=True)
class Like:
    field: Field
    pattern: Value
    case_insensitive: bool
    negated: bool
    position: int  # of LIKE / ILIKE / NOT


@dataclass(frozen=True)
class IsNull:
    """``IS NULL`` is true when the run has no such param/tag/metric (or the value is null)."""

    field: Field
    negated: bool
    position: int  # of IS


@dataclass(frozen=True)
class And:
    operands: tuple[Expr, ...]
    position: int


@dataclass(frozen=True)
class Or:
    operands: tuple[Expr, ...]
    position: int


@dataclass(frozen=True)
class Not:
    operand: Expr
    position: int


Predicate = Comparison | InList | Like | IsNull
Expr = Comparison | InList | Like | IsNull | And | Or | Not
