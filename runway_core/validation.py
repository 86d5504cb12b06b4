"""Checks on keys, names and values shared by every store, so all transports refuse alike."""

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
# Letters, digits, underscore, dash, dot, slash, space and colon: enough for "val/acc" and
# "opt.lr", and nothing that needs quoting in the search language beyond spaces.
_KEY_RE = re.compile(r"^[\w.\-/ :]+$")


def check_key(key: Any, field: str) -> str:
    if not isinstance(key, str):
        raise InvalidInput(f"{field}: key must be a string, got {type(key).__name__}", field=field)
    if not key.strip():
        raise InvalidInput(f"{field}: key must not be empty", field=field)
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            f"{field}: key {key[:40]!r}… is {len(key)} characters; the limit is {MAX_KEY_LENGTH}",
            field=field,
        )
    if not _KEY_RE.match(key):
        raise InvalidInput(
            f"{field}: key {key!r} has illegal characters; use letters, digits and _ - . / : space",
            field=field,
        )
    return key


def check_name(name: Any, field: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"{field} must be a non-empty string", field=field)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"{field} is longer than {MAX_NAME_LENGTH} characters", field=field)
    if "\x00" in name:
        raise InvalidInput(f"{field} must not contain NUL bytes", field=field)
    return name.strip()


def check_json_value(value: Any, field: str) -> Any:
    """A param value: JSON scalar or list; no NaN or infinity (JSON cannot carry them)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(f"{field}: NaN and infinity are not allowed in params", field=field)
    if isinstance(value, (list, tuple)):
        return [check_json_value(v, field) for v in value]
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


def flatten_params(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"opt": {"lr": 0.1}}`` → ``{"opt.lr": 0.1}``; values are checked, keys validated."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        if not isinstance(key, str):
            raise InvalidInput(f"params: key {key!r} must be a string", field="params")
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_params(value, prefix=f"{full}."))
        else:
            check_key(full, f"params.{full}")
            flat[full] = check_json_value(value, f"params.{full}")
    return flat


def check_tag_value(value: Any, field: str) -> str:
    if not isinstance(value, str):
        value = str(value)
    if len(value) > MAX_TAG_VALUE_LENGTH:
        raise InvalidInput(
            f"{field}: value is longer than {MAX_TAG_VALUE_LENGTH} characters", field=field
        )
    return value
