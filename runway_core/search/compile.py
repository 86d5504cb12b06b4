"""Compile a filter AST into SQLAlchemy over the ``runs`` table.

A metric, param or tag condition at the top level of the filter (``a and b and …``) becomes an
inner join with that child row (``plan_filter``); elsewhere (under ``or``/``not``) it becomes
``runs.id IN (SELECT run_id FROM <child> WHERE key = … AND <condition>)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, not_, or_, select, true
from sqlalchemy.sql.selectable import NamedFromClause

from runway_core.models import MetricSummary, Param, Run, Tag
from runway_core.search.ast import (
    And,
    Comparison,
    Expr,
    Field,
    InList,
    IsNull,
    Like,
    Not,
    Or,
)

RUNS = cast(Table, Run.__table__)  # type: ignore[attr-defined]
METRICS = cast(Table, MetricSummary.__table__)  # type: ignore[attr-defined]
PARAMS = cast(Table, Param.__table__)  # type: ignore[attr-defined]
TAGS = cast(Table, Tag.__table__)  # type: ignore[attr-defined]

Condition = ColumnElement[bool]


def compile_filter(expr: Expr | None, dialect: str) -> Condition:
    """The SQL condition for ``expr`` (``true()`` for no filter); ``dialect`` is the engine's."""
    if expr is None:
        return true()
    return _Compiler(dialect).expr(expr)


@dataclass
class ChildJoin:
    """An inner join of ``runs`` with the child row (metric summary, param, tag) of one key."""

    alias: NamedFromClause
    key: str
    conditions: list[Condition] = dc_field(default_factory=list)
    not_null: set[str] = dc_field(default_factory=set)  # columns a condition makes non-NULL

    def on(self) -> Condition:
        return and_(
            self.alias.c.run_id == RUNS.c.id, self.alias.c.key == self.key, *self.conditions
        )


@dataclass
class FilterPlan:
    """A filter as inner joins (its top-level metric/param/tag conditions) plus a WHERE clause.

    Joining lets the database start from the child table's ``(key, value)`` index and, when the
    search sorts by the same metric, walk that index in order and stop at the page's end.
    """

    joins: dict[tuple[str, str], ChildJoin]
    where: Condition


def plan_filter(expr: Expr | None, dialect: str) -> FilterPlan:
    compiler = _Compiler(dialect)
    joins: dict[tuple[str, str], ChildJoin] = {}
    rest: list[Condition] = []
    for node in _conjuncts(expr):
        if isinstance(node, (Comparison, InList, Like)) and node.field.kind != "attribute":
            field = node.field
            join = joins.get((field.kind, field.key))
            if join is None:
                alias = child_table(field).alias(f"f_{len(joins)}")
                join = joins[(field.kind, field.key)] = ChildJoin(alias, field.key)
            condition, not_null = compiler.child_condition(node, join.alias)
            join.conditions.append(condition)
            join.not_null |= not_null
        else:
            rest.append(compiler.expr(node))
    return FilterPlan(joins, and_(true(), *rest))


def _conjuncts(expr: Expr | None) -> list[Expr]:
    if expr is None:
        return []
    if isinstance(expr, And):
        return [leaf for op in expr.operands for leaf in _conjuncts(op)]
    return [expr]


def attribute_column(name: str) -> ColumnElement[Any]:
    """The ``runs`` column (or expression, for ``duration``) of a canonical attribute name."""
    if name == "duration":
        return RUNS.c.end_time - RUNS.c.start_time
    return RUNS.c[name]


def child_table(field: Field) -> Table:
    return {"metric": METRICS, "param": PARAMS, "tag": TAGS}[field.kind]


def value_column(field: Field) -> str:
    """The child-table column a metric or tag field compares (params have two: num, text)."""
    return field.aggregate or "last" if field.kind == "metric" else "value"


class _Compiler:
    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def expr(self, node: Expr) -> Condition:
        if isinstance(node, And):
            return and_(*(self.expr(op) for op in node.operands))
        if isinstance(node, Or):
            return or_(*(self.expr(op) for op in node.operands))
        if isinstance(node, Not):
            return not_(self.expr(node.operand))
        if isinstance(node, IsNull):
            return self.is_null(node)
        field = node.field
        if field.kind == "attribute":
            # A NULL attribute makes the comparison NULL, which WHERE treats as false.
            return self.condition(attribute_column(field.key), node)
        table = child_table(field)
        return _has_child(table, field.key, self.child_condition(node, table)[0])

    def child_condition(
        self, node: Comparison | InList | Like, table: NamedFromClause
    ) -> tuple[Condition, set[str]]:
        """The condition on a child row, and the columns it can only be true for when set."""
        if node.field.kind == "param":
            return self.param_condition(node, table)
        name = value_column(node.field)
        return self.condition(table.c[name], node), {name}

    def condition(self, column: ColumnElement[Any], node: Comparison | InList | Like) -> Condition:
        if isinstance(node, Comparison):
            return _compare(column, node.op, node.value.value)
        if isinstance(node, InList):
            values = [v.value for v in node.values]
            return column.not_in(values) if node.negated else column.in_(values)
        return self.like(column, node)

    def param_condition(
        self, node: Comparison | InList | Like, table: NamedFromClause
    ) -> tuple[Condition, set[str]]:
        """Numbers compare with the param's numeric value, strings with its text."""
        num, text = table.c.num, table.c.text
        if isinstance(node, Comparison):
            name = "num" if node.value.is_number else "text"
            return self.condition(table.c[name], node), {name}
        if isinstance(node, Like):
            return self.like(text, node), {"text"}
        nums = [v.value for v in node.values if v.is_number]
        texts = [v.value for v in node.values if not v.is_number]
        if not texts:
            return (num.not_in(nums) if node.negated else num.in_(nums)), {"num"}
        if not nums:
            return (text.not_in(texts) if node.negated else text.in_(texts)), {"text"}
        either = or_(and_(num.is_not(None), num.in_(nums)), text.in_(texts))
        if node.negated:
            return and_(text.is_not(None), not_(either)), {"text"}
        return either, set()

    def like(self, column: ColumnElement[Any], node: Like) -> Condition:
        parts = _like_parts(str(node.pattern.value))
        if node.case_insensitive:
            cond = column.ilike(_render_like(parts), escape="\\")
        elif self.dialect == "sqlite":
            # SQLite's LIKE ignores ASCII case; GLOB is case-sensitive, so translate to it.
            cond = column.op("GLOB", is_comparison=True)(_render_glob(parts))
        else:
            cond = column.like(_render_like(parts), escape="\\")
        return not_(cond) if node.negated else cond

    def is_null(self, node: IsNull) -> Condition:
        field = node.field
        if field.kind == "attribute":
            column = attribute_column(field.key)
            return column.is_not(None) if node.negated else column.is_(None)
        table = child_table(field)
        present: Condition = true()
        if field.kind == "metric":
            present = table.c[value_column(field)].is_not(None)
        has = _has_child(table, field.key, present)
        return has if node.negated else not_(has)


def _has_child(table: NamedFromClause, key: str, condition: Condition) -> Condition:
    sub = select(table.c.run_id).where(table.c.key == key, condition)
    return RUNS.c.id.in_(sub)


def _compare(column: ColumnElement[Any], op: str, value: Any) -> Condition:
    if op == "=":
        return column == value
    if op == "!=":
        return column != value
    if op == "<":
        return column < value
    if op == "<=":
        return column <= value
    if op == ">":
        return column > value
    if op == ">=":
        return column >= value
    raise AssertionError(f"unknown operator {op}")  # the parser only makes the six above


# A LIKE pattern as parts: "%" (any run), "_" (any one character) or a literal string.
# A backslash makes the next character literal, so '100\%' matches "100%".
_ANY, _ONE = object(), object()


def _like_parts(pattern: str) -> list[object]:
    parts: list[object] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            parts.append(pattern[i + 1])
            i += 2
            continue
        parts.append(_ANY if ch == "%" else _ONE if ch == "_" else ch)
        i += 1
    return parts


def _render_like(parts: list[object]) -> str:
    out = []
    for part in parts:
        if part is _ANY:
            out.append("%")
        elif part is _ONE:
            out.append("_")
        else:
            out.append("\\" + str(part) if part in ("%", "_", "\\") else str(part))
    return "".join(out)


def _render_glob(parts: list[object]) -> str:
    out = []
    for part in parts:
        if part is _ANY:
            out.append("*")
        elif part is _ONE:
            out.append("?")
        else:
            out.append(f"[{part}]" if part in ("*", "?", "[") else str(part))
    return "".join(out)
