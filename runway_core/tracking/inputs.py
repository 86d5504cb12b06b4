"""What a tracked run accepts from its caller: checked at the call, and made valid UTF-8.

Everything Runway stores is valid UTF-8. Python turns bytes that are not UTF-8 (in ``sys.argv``,
file names, environment variables) into lone surrogates; such text in a value or name is stored in
its escaped form (``data_\\xff.csv``) rather than failing the user's script, and artifact paths,
where a backslash is not allowed, use ``%FF``. A key (param, tag, metric) is refused instead, by
the one key rule of ``validation.check_key_text``: an escaped key is not the key the caller uses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from runway_core.errors import InvalidInput
from runway_core.validation import MAX_PARAM_DEPTH, check_key, check_tag_value, flatten_params

# log_params / set_tags take at most this many keys per call (after flattening).
MAX_PARAMS_PER_CALL = 1000
STATUSES = ("finished", "failed", "killed")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Surrogates that no byte produced (surrogateescape maps bytes 0x80-0xff to U+DC80-U+DCFF).
_NOT_A_BYTE = re.compile("[\ud800-\udc7f\udd00-\udfff]")
_BYTE_ESCAPE = re.compile(r"\\x([0-9a-f]{2})")


def utf8_text(text: str) -> str:
    """``text`` unchanged when it is valid UTF-8, else with lone surrogates escaped."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    text = _NOT_A_BYTE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    # Bytes that together form valid UTF-8 come back as their characters.
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def utf8_path(text: str) -> str:
    """Like ``utf8_text`` for an artifact path, which may not hold a backslash: ``%FF``."""
    clean = utf8_text(text)
    if clean is text:
        return text
    return _BYTE_ESCAPE.sub(lambda m: f"%{m.group(1).upper()}", clean).replace("\\u", "%u")


def utf8_value(value: Any, *, keys: bool = True, depth: int = 0) -> Any:
    """Strings in a JSON-like value (lists, dict values and, with ``keys``, dict keys) made
    valid UTF-8. Below ``MAX_PARAM_DEPTH`` levels it stops: the check that follows refuses
    such a value by name (rather than a ``RecursionError`` here)."""
    if isinstance(value, str):
        return utf8_text(value)
    if depth > MAX_PARAM_DEPTH:
        return value
    if isinstance(value, Mapping):
        return {
            (utf8_value(k) if keys else k): utf8_value(v, keys=keys, depth=depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [utf8_value(v, keys=keys, depth=depth + 1) for v in value]
    return value


def check_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise InvalidInput(f"params must be a dict, got {type(params).__name__}", field="params")
    # Values are stored escaped; keys are checked as given (see ``check_key_text``).
    flat = flatten_params(utf8_value(params, keys=False))
    if len(flat) > MAX_PARAMS_PER_CALL:
        raise InvalidInput(
            f"params: {len(flat)} keys after flattening; the limit is {MAX_PARAMS_PER_CALL}",
            field="params",
        )
    return flat


def check_tags(tags: Mapping[str, Any] | None) -> dict[str, str]:
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise InvalidInput(f"tags must be a dict, got {type(tags).__name__}", field="tags")
    if len(tags) > MAX_PARAMS_PER_CALL:
        raise InvalidInput(
            f"tags: {len(tags)} keys; the limit is {MAX_PARAMS_PER_CALL}", field="tags"
        )
    clean: dict[str, str] = {}
    for key, value in tags.items():
        field = f"tags.{key}"
        text = utf8_text(value if isinstance(value, str) else str(value))
        clean[check_key(key, field)] = check_tag_value(text, field)
    return clean


def artifact_path(name: str) -> str:
    """A relative POSIX path inside the run's artifacts: no ``..``, no leading ``/``."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("artifact name must be a non-empty string", field="name")
    path = PurePosixPath(utf8_path(name.replace("\\", "/")))
    if path.is_absolute() or ".." in path.parts or len(name) > 1000:
        raise InvalidInput(
            f"artifact name {name!r} must be a relative path without '..' (≤ 1000 chars)",
            field="name",
        )
    return str(path)


def check_status(status: str) -> str:
    if status not in STATUSES:
        raise InvalidInput(
            f"status must be finished, failed or killed, not {status!r}", field="status"
        )
    return status
