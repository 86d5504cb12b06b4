"""The text and value rules the server enforces (``runway_core.validation``), stated as JSON Schema
for the OpenAPI document.

They are documentation on the wire shapes, not pydantic constraints: a client building a shape
is not refused by pydantic before the server names the field, and one set of checks serves both
stores. Patterns end in ``(?!\\n)$`` because ``$`` alone also matches before a final newline.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field
from pydantic.json_schema import JsonDict

from runway_core.validation import (
    INT64_MAX,
    MAX_EPOCH_MS,
    MAX_KEY_LENGTH,
    MAX_NAME_LENGTH,
    MAX_PARAM_VALUE_LENGTH,
    MAX_TAG_VALUE_LENGTH,
)

NUL_FREE = "^[^\\u0000]*(?!\\n)$"
# One line, no control character (C0, DEL, C1), not blank: a name, also as a URL path segment.
_LINE = "[^\\u0000-\\u001f\\u007f-\\u009f]"
NAME = f"^{_LINE}*[^\\s\\u0000-\\u001f\\u007f-\\u009f]{_LINE}*(?!\\n)$"
PATH_SEGMENT = f"^{_LINE}+(?!\\n)$"
# Letters, digits, _ - . / : and space; not all spaces (validation.check_key).
KEY = "^[\\w.\\-/ :]*[\\w.\\-/:][\\w.\\-/ :]*(?!\\n)$"
KEY_OR_EMPTY = "^([\\w.\\-/ :]*[\\w.\\-/:][\\w.\\-/ :]*)?(?!\\n)$"  # "" means none
# A nested param key: any key characters (even none); the flattened key is what must be a key.
_NESTED_KEY = "^[\\w.\\-/ :]*(?!\\n)$"
RUN_ID = "^[0-9a-fA-F_-]{1,32}(?!\\n)$"
EPOCH_MS: JsonDict = {"minimum": 0, "maximum": MAX_EPOCH_MS}


def _not_text(value: Any) -> Any:
    if isinstance(value, (str, bool)):
        raise ValueError("expected an integer, not text or a boolean")
    return value


# An integer as JSON Schema means it: 5 or 5.0, not 5.5, "5" or true.
JsonInt = Annotated[int, BeforeValidator(_not_text)]

# A project, experiment or run name (validation.check_name).
Name = Annotated[
    str, Field(max_length=MAX_NAME_LENGTH, json_schema_extra={"minLength": 1, "pattern": NAME})
]


def key_schema() -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY}


def tags_schema(schema: dict[str, Any]) -> None:
    """``{key: text}``: keys follow the key rule, values are text up to 5,000 characters."""
    schema["propertyNames"] = key_schema()
    schema["additionalProperties"] = {
        "type": "string",
        "maxLength": MAX_TAG_VALUE_LENGTH,
        "pattern": NUL_FREE,
    }


def nullable_tags_schema(schema: dict[str, Any]) -> None:
    """Tags to merge: ``{key: text}``, where a null value removes the key."""
    schema["propertyNames"] = key_schema()
    schema["additionalProperties"] = {
        "anyOf": [
            {"type": "string", "maxLength": MAX_TAG_VALUE_LENGTH, "pattern": NUL_FREE},
            {"type": "null"},
        ]
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


# Param values, recursive (the OpenAPI document adds these components): a scalar, a list of
# scalars and lists, or a dict of params, flattened to dotted keys ({"opt": {"lr": 0.1}} is
# opt.lr). Keys inside a dict may be any key characters; the flattened key must be a key.
PARAM_COMPONENTS: dict[str, Any] = {
    "ParamScalar": {
        "anyOf": [
            {"type": "string", "maxLength": MAX_PARAM_VALUE_LENGTH, "pattern": NUL_FREE},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "null"},
        ]
    },
    "ParamList": {
        "type": "array",
        "items": {"anyOf": [_ref("ParamScalar"), _ref("ParamList")]},
    },
    "ParamDict": {
        "type": "object",
        "propertyNames": {"type": "string", "maxLength": MAX_KEY_LENGTH, "pattern": _NESTED_KEY},
        "additionalProperties": _ref("ParamValue"),
    },
    "ParamValue": {"anyOf": [_ref("ParamScalar"), _ref("ParamList"), _ref("ParamDict")]},
}


def params_schema(schema: dict[str, Any]) -> None:
    """``{key: value}``; the OpenAPI document refers each value to ``ParamValue`` (a recursive
    schema, in ``PARAM_COMPONENTS``, which a model's own JSON Schema does not carry)."""
    schema["propertyNames"] = {
        "type": "string",
        "maxLength": MAX_KEY_LENGTH,
        "pattern": _NESTED_KEY,
    }
    schema["additionalProperties"] = {
        "description": "a scalar, a list of scalars and lists, or a dict of params"
    }


def json_document_schema(schema: dict[str, Any]) -> None:
    """Free JSON (``source_ids``): any nesting; text without NUL."""
    schema["propertyNames"] = {"type": "string", "pattern": NUL_FREE}


def int_items(minimum: int, maximum: int) -> Any:
    """For a ``list[int] | None`` field: each item between ``minimum`` and ``maximum``."""
    # Bounds past 2^53 are stated as exclusive powers of two, which a double holds exactly.
    low = {"minimum": minimum} if abs(minimum) <= MAX_EPOCH_MS else {"exclusiveMinimum": -(2**63)}
    high = {"maximum": maximum} if maximum <= MAX_EPOCH_MS else {"exclusiveMaximum": 2**63}

    def extra(schema: dict[str, Any]) -> None:
        for option in schema.get("anyOf", [schema]):
            if option.get("type") == "array":
                option["items"] = {**option["items"], **low, **high}

    return extra


STEP_ITEMS = int_items(-INT64_MAX, INT64_MAX)
TIMESTAMP_ITEMS = int_items(0, MAX_EPOCH_MS)
