"""Checks on keys, names and values shared by every store, so all transports refuse alike.

Everything stored is valid UTF-8 without NUL: PostgreSQL refuses NUL in text, and neither
database driver can encode a lone surrogate (what ``os.fsdecode`` makes of undecodable bytes,
and what JSON's ``"\\udcff"`` escape decodes to).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from runway_core.errors import InvalidInput

MAX_KEY_LENGTH = 250
MAX_NAME_LENGTH = 250
MAX_PARAM_VALUE_LENGTH = 6000
MAX_TAG_VALUE_LENGTH = 5000
# Params nest at most this deep ({"a": {"b": 1}} is 2 levels); deeper is refused, not recursed.
MAX_PARAM_DEPTH = 32
# Letters, digits, underscore, dash, dot, slash, space and colon: enough for "val/acc" and
# "opt.lr", and nothing that needs quoting in the search language beyond spaces.
_KEY_RE = re.compile(r"[\w.\-/ :]+")
INT64_MAX = 2**63 - 1
# Times are integers every JSON reader holds exactly (JavaScript's 2^53-1 ms: the year 287,396).
MAX_EPOCH_MS = 2**53 - 1
# PostgreSQL cannot store NUL in text, so every store refuses it (SQLite would keep it).
_NUL = "\x00"
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# Names are one line of text: no control characters (C0, DEL, C1), which a URL path cannot carry.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with lone surrogates as ``\\udcff`` escapes, so a message can quote it as UTF-8."""
    if LONE_SURROGATE.search(text) is None:
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def check_utf8(value: Any, field: str) -> Any:
    """Text holding a lone surrogate is not UTF-8 and cannot be stored or sent to a database."""
    if isinstance(value, str) and LONE_SURROGATE.search(value):
        raise InvalidInput(
            f"{field}: the text holds a lone surrogate (an unpaired \\ud800-\\udfff), which is "
            "not valid UTF-8; Runway stores only UTF-8 text",
            field=field,
        )
    return value


def check_text(value: Any, field: str) -> Any:
    """A free-text value (description, user, command, id…): refused if it holds a NUL or a lone
    surrogate, neither of which is storable UTF-8 text."""
    if isinstance(value, str) and _NUL in value:
        raise InvalidInput(f"{field} must not contain NUL characters", field=field)
    return check_utf8(value, field)


def check_epoch_ms(value: Any, field: str) -> Any:
    """A time in epoch milliseconds: an integer any JSON reader holds exactly (0 … 2^53-1)."""
    if value is not None and not 0 <= value <= MAX_EPOCH_MS:
        raise InvalidInput(
            f"{field} must be epoch milliseconds between 0 and 2^53-1, got {value!r}", field=field
        )
    return value


def check_not_null(data: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    """Refuse an explicit ``null`` for fields a PATCH may change but never clear."""
    for name in fields:
        if name in data and data[name] is None:
            raise InvalidInput(f"{name} must not be null; leave it out to keep it", field=name)


def _check_number(value: Any, field: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(f"{field}: NaN and infinity are not allowed here", field=field)
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            float(value)
        except OverflowError:
            raise InvalidInput(
                f"{field}: integer {str(value)[:20]}… is too large to store", field=field
            ) from None


def _too_deep(field: str) -> InvalidInput:
    field = printable(field[:200])
    return InvalidInput(
        f"{field}: nested more than {MAX_PARAM_DEPTH} levels deep; flatten it or log the "
        "structure as an artifact",
        field=field,
    )


def check_json_document(value: Any, field: str, *, depth: int = 1) -> Any:
    """A free JSON document (e.g. ``source_ids``): nesting allowed (up to ``MAX_PARAM_DEPTH``
    levels), no NaN/inf, no NUL."""
    if isinstance(value, (Mapping, list, tuple)) and value and depth > MAX_PARAM_DEPTH:
        raise _too_deep(field)
    if isinstance(value, Mapping):
        for k, v in value.items():
            check_text(k, f"{field}.{k}")
            check_json_document(v, f"{field}.{k}", depth=depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            check_json_document(v, field, depth=depth + 1)
    else:
        _check_number(value, field)
        check_text(value, field)
    return value


def check_key_text(key: str, field: str) -> None:
    """The one rule for text in a key (param, tag, metric; and each part of a nested param key):
    no NUL and nothing that is not UTF-8. A value may be stored escaped (the SDK does so), but
    an escaped key would not be the key the caller searches for, so such a key is refused."""
    if _NUL in key:
        raise InvalidInput(f"{field}: key must not contain NUL characters", field=field)
    if LONE_SURROGATE.search(key):
        raise key_not_utf8(field)


def key_not_utf8(field: str) -> InvalidInput:
    """The error for a key that is not UTF-8, in the same words from every store and the API."""
    return InvalidInput(
        f"{field}: key is not UTF-8 text (it holds a lone surrogate, which is what Python makes "
        "of a byte that is not UTF-8); keys must be UTF-8: letters, digits and _ - . / : space",
        field=field,
    )


def check_key(key: Any, field: str) -> str:
    field = printable(field)
    if not isinstance(key, str):
        raise InvalidInput(f"{field}: key must be a string, got {type(key).__name__}", field=field)
    check_key_text(key, field)
    if not key.strip():
        raise InvalidInput(f"{field}: key must not be empty", field=field)
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            f"{field}: key {key[:40]!r}… is {len(key)} characters; the limit is {MAX_KEY_LENGTH}",
            field=field,
        )
    if not _KEY_RE.fullmatch(key):
        raise InvalidInput(
            f"{field}: key {key!r} has illegal characters; use letters, digits and _ - . / : space",
            field=field,
        )
    return key


def check_name(name: Any, field: str) -> str:
    """A project, experiment or run name: one line of UTF-8 text, not blank; returned stripped."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"{field} must be a non-empty string", field=field)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"{field} is longer than {MAX_NAME_LENGTH} characters", field=field)
    if "\x00" in name:
        raise InvalidInput(f"{field} must not contain NUL bytes", field=field)
    check_text(name, field)
    control = _CONTROL.search(name)
    if control is not None:
        raise InvalidInput(
            f"{field} must be one line of text without control characters "
            f"(got {control.group()!r} at character {control.start()})",
            field=field,
        )
    return name.strip()


def check_json_value(value: Any, field: str, *, depth: int = 1) -> Any:
    """A param value: JSON scalar or list; no NaN or infinity (JSON cannot carry them)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(f"{field}: NaN and infinity are not allowed in params", field=field)
    _check_number(value, field)  # ints beyond float range: the numeric copy could not be made
    check_text(value, field)
    if isinstance(value, (list, tuple)):
        if value and depth > MAX_PARAM_DEPTH:
            raise _too_deep(field)
        return [check_json_value(v, field, depth=depth + 1) for v in value]
    if isinstance(value, Mapping):
        raise InvalidInput(f"{field}: nested dicts must be flattened first", field=field)
    if value is not None and not isinstance(value, (str, int, float, bool)):
        raise InvalidInput(
            f"{field}: unsupported value type {type(value).__name__}; use str, number, bool, list",
            field=field,
        )
    if isinstance(value, str) and len(value) > MAX_PARAM_VALUE_LENGTH:
        raise InvalidInput(
            f"{field}: value is longer than {MAX_PARAM_VALUE_LENGTH} characters", field=field
        )
    return value


def flatten_params(
    params: Mapping[str, Any], prefix: str = "", *, depth: int = 1
) -> dict[str, Any]:
    """``{"opt": {"lr": 0.1}}`` → ``{"opt.lr": 0.1}``; values are checked, keys validated.
    Nesting deeper than ``MAX_PARAM_DEPTH`` is refused naming the key path where it went over."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        if not isinstance(key, str):
            raise InvalidInput(f"params: key {key!r} must be a string", field="params")
        check_key_text(key, printable(f"params.{prefix}{key}"))
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            if depth >= MAX_PARAM_DEPTH and value:
                raise _too_deep(f"params.{full}")
            flat.update(flatten_params(value, prefix=f"{full}.", depth=depth + 1))
        else:
            check_key(full, f"params.{full}")
            flat[full] = check_json_value(value, f"params.{full}")
    return flat


def check_tag_value(value: Any, field: str) -> str:
    if not isinstance(value, str):
        value = str(value)
    check_text(value, field)
    if len(value) > MAX_TAG_VALUE_LENGTH:
        raise InvalidInput(
            f"{field}: value is longer than {MAX_TAG_VALUE_LENGTH} characters", field=field
        )
    return value


def clean_tags(tags: Mapping[str, Any]) -> dict[str, str]:
    """Tags of a run or an experiment: keys by the key rule, values as text of bounded length."""
    return {check_key(k, f"tags.{k}"): check_tag_value(v, f"tags.{k}") for k, v in tags.items()}
