"""Hints for a search that found nothing because its filter names a key no run in scope has:
``no run in scope has metrics.accc; did you mean metrics.acc?`` (nearest keys by ``difflib``)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import replace

from runway_core.search.ast import And, Expr, Field, FieldKind, Not, Or

MAX_SUGGESTIONS = 3


def child_fields(expr: Expr | None) -> list[Field]:
    """The metric, param and tag fields a filter names, once each, in order of appearance."""
    seen: dict[tuple[FieldKind, str], Field] = {}
    stack: list[Expr] = [expr] if expr is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, (And, Or)):
            stack.extend(reversed(node.operands))
        elif isinstance(node, Not):
            stack.append(node.operand)
        elif node.field.kind != "attribute":
            key = (node.field.kind, node.field.key)
            seen.setdefault(key, replace(node.field, aggregate=None))
    return list(seen.values())


def unknown_key_hints(
    fields: Iterable[Field],
    has_key: Callable[[Field], bool],
    keys_in_scope: Callable[[FieldKind], list[str]],
) -> list[str]:
    """One hint per field whose key no run in scope has (``has_key``), with the nearest keys of
    the same kind that runs in scope do have (``keys_in_scope``, asked once per kind)."""
    known: dict[FieldKind, list[str]] = {}
    hints = []
    for field in fields:
        if has_key(field):
            continue
        if field.kind not in known:
            known[field.kind] = keys_in_scope(field.kind)
        near = difflib.get_close_matches(field.key, known[field.kind], n=MAX_SUGGESTIONS)
        hint = f"no run in scope has {field}"
        if near:
            hint += "; did you mean " + " or ".join(str(replace(field, key=k)) for k in near) + "?"
        hints.append(hint)
    return hints
