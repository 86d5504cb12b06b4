"""What a field name refers to, and which literals each kind of field can be compared with."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from runway_core.errors import InvalidFilter
from runway_core.models.run import RunSource, RunStatus
from runway_core.search.ast import PREFIXES, Field, MetricAggregate, Value
from runway_core.search.lexer import INT64_MAX, Token, filter_error

AttributeType = Literal["text", "time", "number", "status", "source"]

ATTRIBUTES: dict[str, AttributeType] = {
    "id": "text",
    "name": "text",
    "status": "status",
    "user": "text",
    "source": "source",
    "experiment_id": "text",
    "project_id": "text",
    "parent_run_id": "text",
    "sweep_id": "text",
    "git_commit": "text",
    "git_branch": "text",
    "host": "text",
    "start_time": "time",
    "end_time": "time",
    "created_at": "time",
    "updated_at": "time",
    "duration": "number",  # end_time - start_time, in ms
}
ATTRIBUTE_ALIASES = {"run_id": "id", "run_name": "name"}
AGGREGATES: tuple[MetricAggregate, ...] = ("last", "min", "max", "count")
_AGGREGATE_NAMES: dict[str, MetricAggregate] = {name: name for name in AGGREGATES}
_ENUM_VALUES = {
    "status": tuple(s.value for s in RunStatus),
    "source": tuple(s.value for s in RunSource),
}


def resolve_field(token: Token, where: str = "filter") -> Field:
    """Turn a FIELD token (``metrics.val.acc.max``, ``params.`a b```) into a ``Field``."""
    head, rest = token.segments[0], list(token.segments[1:])
    kind = PREFIXES.get(head.text.lower())
    if kind is None:
        raise filter_error(
            f"unknown field prefix {head.text!r}",
            head.position,
            hint="use metrics., params., tags. or attributes.",
            where=where,
        )
    aggregate: MetricAggregate | None = None
    if kind == "metric":
        aggregate = "last"
        last = rest[-1]
        if len(rest) > 1 and not last.quoted and last.text.lower() in _AGGREGATE_NAMES:
            aggregate = _AGGREGATE_NAMES[last.text.lower()]
            rest.pop()
    key = ".".join(seg.text for seg in rest)
    if kind == "attribute":
        name = ATTRIBUTE_ALIASES.get(key.lower(), key.lower())
        if name not in ATTRIBUTES:
            known = ", ".join(sorted([*ATTRIBUTES, *ATTRIBUTE_ALIASES]))
            raise filter_error(
                f"unknown attribute {key!r}",
                rest[0].position,
                hint=f"expected one of {known}",
                where=where,
            )
        key = name
    return Field(kind=kind, key=key, position=token.position, aggregate=aggregate)


def value_type(field: Field) -> str:
    """A short name of what the field holds, for messages."""
    if field.kind == "metric":
        return "a number"
    if field.kind == "param":
        return "a number or text"
    if field.kind == "tag":
        return "text"
    return {
        "text": "text",
        "status": "text",
        "source": "text",
        "time": "a time",
        "number": "a number",
    }[ATTRIBUTES[field.key]]


def check_value(field: Field, value: Value, op: str) -> Value:
    """Refuse a literal the field cannot be compared with; return it coerced (times to ms)."""
    if field.kind == "metric":
        if not value.is_number:
            raise _type_error(field, value, "a number")
        return value
    if field.kind == "param":
        return value
    if field.kind == "tag":
        if value.is_number:
            raise _type_error(field, value, "text", hint=f"quote it, as in '{value.raw}'")
        return value
    kind = ATTRIBUTES[field.key]
    if kind == "number":
        if not value.is_number:
            raise _type_error(field, value, "a number (milliseconds)")
        return value
    if kind == "time":
        ms = int(value.value) if value.is_number else _epoch_ms(value)
        if abs(ms) > INT64_MAX:
            raise filter_error(f"time {value.raw} is out of range", value.position)
        return Value(ms, value.raw, value.position)
    if value.is_number:
        raise _type_error(field, value, "text", hint=f"quote it, as in '{value.raw}'")
    if kind in _ENUM_VALUES and op in ("=", "!=", "in"):
        lowered = str(value.value).lower()
        if lowered not in _ENUM_VALUES[kind]:
            raise filter_error(
                f"{field} has no value {value.value!r}",
                value.position,
                hint=f"expected one of {', '.join(_ENUM_VALUES[kind])}",
            )
        return Value(lowered, value.raw, value.position)
    return value


def check_like(field: Field, pattern: Value, keyword: str, position: int) -> None:
    """LIKE/ILIKE take a quoted pattern and apply to text fields (params, tags, text attributes)."""
    if field.kind == "metric" or (
        field.kind == "attribute" and ATTRIBUTES[field.key] in ("time", "number")
    ):
        raise filter_error(
            f"{keyword} applies to text, but {field} is {value_type(field)}", position
        )
    if pattern.is_number:
        raise _type_error(field, pattern, "a quoted pattern", hint=f"as in '%{pattern.raw}%'")


def _type_error(field: Field, value: Value, expected: str, hint: str = "") -> InvalidFilter:
    return filter_error(f"{field} needs {expected}, found {value.raw}", value.position, hint=hint)


def _epoch_ms(value: Value) -> int:
    text = str(value.value).strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise filter_error(
            f"{value.raw} is not a time",
            value.position,
            hint="use epoch milliseconds or an ISO date such as '2026-01-31' or "
            "'2026-01-31T12:00:00Z'",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)
