"""MLflow's search grammar translated to Runway's (runs) or evaluated in memory (experiments).

MLflow's run filter (``metrics.acc > 0.9 and params.lr = '0.01' and attributes.status =
'FINISHED'``) is nearly Runway's search language: the tokens are Runway's lexer's; attribute
names, status values and the default experiment's id ``"0"`` are rewritten, and keys are
back-quoted so a key such as ``acc.max`` stays a key and is not read as an aggregate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from runway_core.errors import InvalidFilter
from runway_core.search.ast import PREFIXES
from runway_core.search.lexer import Kind, Lexer, Token

from .mapping import DEFAULT_EXPERIMENT_ID, STATUS_FROM_MLFLOW

# MLflow attribute → Runway attribute (None: MLflow has it, Runway cannot search it).
_ATTRIBUTES: dict[str, str | None] = {
    "run_id": "id",
    "run_uuid": "id",
    "run_name": "name",
    "run name": "name",
    "status": "status",
    "start_time": "start_time",
    "created": "start_time",
    "end_time": "end_time",
    "user_id": "user",
    "experiment_id": "experiment_id",
    "artifact_uri": None,
    "lifecycle_stage": None,
}
_PREFIX_OUT = {"metric": "metrics", "param": "params", "tag": "tags", "attribute": "attributes"}


def _quote_key(key: str) -> str:
    return "`" + key.replace("`", "``") + "`"


def _quote_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _field(token: Token, where: str) -> tuple[str, str]:
    """(Runway field text, Runway kind or attribute name) of an MLflow field token."""
    head, rest = token.segments[0], token.segments[1:]
    kind = PREFIXES.get(head.text.lower())
    if kind is None or not rest:
        raise InvalidFilter(
            f"{where}: invalid entity {token.text!r} at column {token.position}; expected "
            "metrics.<key>, params.<key>, tags.<key> or attributes.<name>",
            position=token.position,
            field="filter" if where == "filter" else "order_by",
        )
    key = ".".join(seg.text for seg in rest)
    if kind != "attribute":
        return f"{_PREFIX_OUT[kind]}.{_quote_key(key)}", kind
    name = _ATTRIBUTES.get(key.lower(), "")
    if not name:
        known = ", ".join(k for k, v in _ATTRIBUTES.items() if v)
        what = "is not searchable in Runway" if name is None else "is not an attribute"
        raise InvalidFilter(
            f"{where}: {key!r} {what} (at column {token.position}); searchable: {known}",
            position=token.position,
            field="filter" if where == "filter" else "order_by",
        )
    return f"attributes.{name}", name


def _literal(token: Token, field: str, default_id: str | None) -> str:
    if token.kind is Kind.STRING:
        value = str(token.value)
        if field == "status":
            status = STATUS_FROM_MLFLOW.get(value.upper())
            value = status.value if status else value
        elif field == "experiment_id" and value == DEFAULT_EXPERIMENT_ID and default_id:
            value = default_id
        return _quote_string(value)
    return token.text


def translate_filter(text: str, default_id: str | None) -> str:
    """An MLflow run filter as a Runway filter (``""`` stays ``""``)."""
    out: list[str] = []
    field = ""
    for token in Lexer(text).tokens():
        if token.kind is Kind.EOF:
            break
        if token.kind is Kind.FIELD:
            piece, field = _field(token, "filter")
            out.append(piece)
        elif token.kind in (Kind.STRING, Kind.NUMBER):
            out.append(_literal(token, field, default_id))
        else:
            out.append(token.text)
    return " ".join(out)


def translate_order_by(items: list[str]) -> list[str]:
    """MLflow's ``order_by`` in Runway's form, with MLflow's tie-break (newest start first)."""
    out = []
    for index, item in enumerate(items):
        where = f"order_by[{index}]"
        tokens = [t for t in Lexer(item, where=where).tokens() if t.kind is not Kind.EOF]
        if not tokens or tokens[0].kind is not Kind.FIELD:
            raise InvalidFilter(
                f"{where}: expected a field such as 'metrics.rmse DESC', got {item!r}",
                field="order_by",
            )
        piece, _ = _field(tokens[0], where)
        out.append(" ".join([piece, *(t.text for t in tokens[1:])]))
    if not any(o.startswith("attributes.start_time") for o in out):
        out.append("attributes.start_time DESC")
    return out


# Experiments: few enough to filter in memory over their MLflow JSON.
_EXPERIMENT_FIELDS = {"name", "creation_time", "last_update_time", "experiment_id"}
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _like(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _experiment_value(token: Token) -> tuple[str, str]:
    """("tag", key) or ("attr", name) for an experiment filter or order_by field."""
    if token.kind is Kind.WORD:
        name = token.text
        kind = "attr"
    elif token.kind is Kind.FIELD:
        head = token.segments[0].text.lower()
        name = ".".join(s.text for s in token.segments[1:])
        kind = {"tags": "tag", "tag": "tag", "attributes": "attr", "attribute": "attr"}.get(
            head, ""
        )
    else:
        kind, name = "", token.text
    if kind == "attr" and name not in _EXPERIMENT_FIELDS:
        kind = ""
    if not kind:
        raise InvalidFilter(
            f"experiment filter: unknown field {token.text!r} at column {token.position}; "
            "expected name, creation_time, last_update_time or tags.<key>",
            position=token.position,
            field="filter",
        )
    return kind, name


def _lookup(exp: dict[str, Any], kind: str, name: str) -> Any:
    if kind == "tag":
        return {t["key"]: t["value"] for t in exp.get("tags", [])}.get(name)
    return exp.get(name)


def experiment_matcher(text: str) -> Callable[[dict[str, Any]], bool]:
    """A predicate over MLflow experiment JSON for ``name LIKE 'a%' AND tags.k = 'v'``."""
    tokens = [t for t in Lexer(text).tokens() if t.kind is not Kind.EOF]
    clauses: list[tuple[str, str, str, Any]] = []
    i = 0
    while i < len(tokens):
        if len(tokens) < i + 3:
            raise InvalidFilter(
                f"experiment filter: incomplete comparison at column {tokens[i].position}",
                position=tokens[i].position,
                field="filter",
            )
        kind, name = _experiment_value(tokens[i])
        op = tokens[i + 1].text.upper()
        value = tokens[i + 2].value
        if op not in _COMPARE and op not in ("LIKE", "ILIKE"):
            raise InvalidFilter(
                f"experiment filter: unsupported comparator {tokens[i + 1].text!r}",
                position=tokens[i + 1].position,
                field="filter",
            )
        clauses.append((kind, name, op, value))
        i += 3
        if i < len(tokens):
            if tokens[i].kind is not Kind.WORD or tokens[i].value != "and":
                raise InvalidFilter(
                    f"experiment filter: expected AND at column {tokens[i].position}",
                    position=tokens[i].position,
                    field="filter",
                )
            i += 1

    def matches(exp: dict[str, Any]) -> bool:
        for kind, name, op, value in clauses:
            actual = _lookup(exp, kind, name)
            if actual is None:
                return False
            if op in ("LIKE", "ILIKE"):
                if not _like(str(value), op == "ILIKE").fullmatch(str(actual)):
                    return False
            else:
                try:
                    if not _COMPARE[op](actual, type(actual)(value)):
                        return False
                except (TypeError, ValueError):
                    return False
        return True

    return matches


def _sort_value(value: Any) -> tuple[bool, Any]:
    return (value is not None, value if value is not None else "")


def sort_experiments(items: list[dict[str, Any]], order_by: list[str]) -> list[dict[str, Any]]:
    """Sorted as MLflow does: by ``order_by``, then newest first, then by id."""
    keys: list[tuple[str, str, bool]] = []
    for item in order_by:
        tokens = [t for t in Lexer(item, where="order_by").tokens() if t.kind is not Kind.EOF]
        if not tokens:
            continue
        kind, name = _experiment_value(tokens[0])
        desc = len(tokens) > 1 and tokens[1].kind is Kind.WORD and tokens[1].value == "desc"
        keys.append((kind, name, desc))
    keys += [("attr", "creation_time", True), ("attr", "experiment_id", False)]
    out = list(items)
    for kind, name, desc in reversed(keys):
        out.sort(key=lambda e: _sort_value(_lookup(e, kind, name)), reverse=desc)
    return out
