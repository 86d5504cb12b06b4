"""Sort keys as SQL: the outer joins they need, ORDER BY with missing values last, and the
keyset condition and opaque page token that continue a search after its last row."""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, Literal

from sqlalchemy import ColumnElement, FromClause, and_, false, or_

from runway_core.errors import InvalidInput
from runway_core.search.compile import (
    RUNS,
    FilterPlan,
    attribute_column,
    child_table,
    value_column,
)
from runway_core.search.fields import ATTRIBUTES
from runway_core.search.order import OrderKey

SortValue = int | float | str | None
_TOKEN_ERROR = "page_token is not one this search returned (or its order_by changed)"


@dataclass(frozen=True)
class SortColumn:
    expr: ColumnElement[Any]
    descending: bool
    kind: Literal["number", "text"]  # what a page token may hold for it
    nullable: bool = True  # False when the filter already excludes runs without a value


@dataclass
class SortPlan:
    source: FromClause  # runs with the outer joins of the sort keys
    columns: list[SortColumn]
    signature: str  # the order, so a page token is only used with the order it came from
    where: list[ColumnElement[bool]] = dc_field(default_factory=list)
    # The first key is a metric or tag the filter does not join: the search can then be run as
    # runs with a value (an index walk in order) followed by runs without one.
    splittable: bool = False

    def order_by(self) -> list[Any]:
        out: list[Any] = []
        for c in self.columns:
            term = c.expr.desc() if c.descending else c.expr.asc()
            # Without NULLs to place, a plain order can follow an index (and stop early).
            out.append(term.nulls_last() if c.nullable else term)
        out.append(RUNS.c.id.asc())
        return out

    def after(self, values: list[SortValue], last_id: str) -> ColumnElement[bool]:
        """Rows after (values, last_id) in this order, with NULLs last in both directions."""
        branches: list[ColumnElement[bool]] = []
        ties: list[ColumnElement[bool]] = []
        for column, value in zip(self.columns, values, strict=True):
            expr = column.expr
            if value is None:
                ties.append(expr.is_(None))  # nothing but another NULL follows a NULL
                continue
            beyond = expr < value if column.descending else expr > value
            branches.append(and_(*ties, or_(beyond, expr.is_(None)) if column.nullable else beyond))
            ties.append(expr == value)
        branches.append(and_(*ties, RUNS.c.id > last_id))
        condition = or_(false(), *branches)
        first = self.columns[0] if self.columns else None
        if first is not None and not first.nullable and values[0] is not None:
            # Implied by the OR above; written out so the database can seek the index to it.
            bound = first.expr <= values[0] if first.descending else first.expr >= values[0]
            condition = and_(bound, condition)
        return condition

    def encode(self, values: list[SortValue], last_id: str) -> str:
        body = json.dumps({"o": self.signature, "v": values, "id": last_id}, separators=(",", ":"))
        return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")

    def decode(self, token: str) -> tuple[list[SortValue], str]:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            body = json.loads(raw)
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise InvalidInput(_TOKEN_ERROR, field="page_token") from None
        if not isinstance(body, dict) or body.get("o") != self.signature:
            raise InvalidInput(_TOKEN_ERROR, field="page_token")
        values, last_id = body.get("v"), body.get("id")
        if (
            not isinstance(last_id, str)
            or not 0 < len(last_id) <= 32
            or "\x00" in last_id
            or not isinstance(values, list)
            or len(values) != len(self.columns)
            or not all(_fits(v, c.kind) for v, c in zip(values, self.columns, strict=True))
        ):
            raise InvalidInput(_TOKEN_ERROR, field="page_token")
        return values, last_id


def _fits(value: Any, kind: str) -> bool:
    if value is None:
        return True
    if kind == "text":
        return isinstance(value, str) and "\x00" not in value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and abs(value) <= 2**63 - 1


def sort_plan(
    keys: list[OrderKey],
    filters: FilterPlan | None = None,
    first: Literal["any", "present", "missing"] = "any",
) -> SortPlan:
    """Joins and columns for ``keys`` after the filter's joins; a key on a field the filter
    joins reuses that join, the others get an outer join each.

    ``first`` narrows a splittable plan to runs that have a value for the first key
    ("present": an inner join, no NULLs to order) or that lack one ("missing").
    """
    joins = filters.joins if filters else {}
    source: FromClause = RUNS
    for join in joins.values():
        source = source.join(join.alias, join.on())
    columns: list[SortColumn] = []
    where: list[ColumnElement[bool]] = []
    splittable = False
    for i, key in enumerate(keys):
        field = key.field
        if field.kind == "attribute":
            kind = ATTRIBUTES[field.key]
            text_like = kind in ("text", "status", "source")
            columns.append(
                SortColumn(
                    attribute_column(field.key), key.descending, "text" if text_like else "number"
                )
            )
            continue
        joined = joins.get((field.kind, field.key))
        name = value_column(field)
        if joined is not None:
            alias, not_null = joined.alias, set(joined.not_null)
        else:
            alias, not_null = child_table(field).alias(f"s_{i}"), set()
            on = and_(alias.c.run_id == RUNS.c.id, alias.c.key == field.key)
            split_here = i == 0 and field.kind != "param"
            splittable = splittable or split_here
            if split_here and first == "present":
                source = source.join(alias, and_(on, alias.c[name].is_not(None)))
                not_null.add(name)
            else:
                source = source.outerjoin(alias, on)
                if split_here and first == "missing":
                    where.append(alias.c[name].is_(None))
        if field.kind == "param":
            # Numeric params sort by value, then the others by their text.
            for name_, kind_ in (("num", "number"), ("text", "text")):
                columns.append(
                    SortColumn(alias.c[name_], key.descending, kind_, name_ not in not_null)  # type: ignore[arg-type]
                )
        else:
            kind_ = "number" if field.kind == "metric" else "text"
            columns.append(
                SortColumn(alias.c[name], key.descending, kind_, name not in not_null)  # type: ignore[arg-type]
            )
    signature = ",".join(str(k) for k in keys)
    return SortPlan(source, columns, signature, where, splittable)
