"""Authentication in the OpenAPI document: the bearer scheme (always declared, with a note on
whether this server asks for it) and, with ``--auth``, each operation's requirement and the
answers authentication adds — 401, 429, and 403 where the route's rule (``api/rules.py``) can
refuse a caller it knows."""

from __future__ import annotations

import re
from typing import Any

from .rules import RULES, Rule

SCHEME = "bearerAuth"
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
_RESPONSES: dict[str, dict[str, Any]] = {
    "401": {
        "description": "UNAUTHORIZED: no token, or one that is malformed, unknown, revoked or "
        "expired, or whose user is disabled",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
        "content": _ERROR,
    },
    "403": {
        "description": "FORBIDDEN: the caller may read the project but this needs a higher "
        "role, or the route is for server admins (or the user itself)",
        "content": _ERROR,
    },
    "429": {
        "description": "TOO_MANY_REQUESTS: a failing token from an address past "
        "RUNWAY_AUTH_FAILURES_PER_MINUTE (a valid token is never refused)",
        "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
        "content": _ERROR,
    },
}


def _note(auth: bool) -> str:
    said = "This server requires it" if auth else "This server runs without --auth: none is asked"
    return (
        "An API token (`rwt_…`, made by `runway token create`), sent as `Authorization: Bearer "
        f"TOKEN`. A server started with `--auth` asks for one on every route but /healthz. {said}."
    )


def _rules_by_template() -> dict[tuple[str, str], Rule]:
    """The rules keyed as the document writes paths (``{key}`` for ``{key:path}``)."""
    return {
        (method.lower(), re.sub(r"\{(\w+):\w+\}", r"{\1}", path)): rule
        for (method, path), rule in RULES.items()
    }


def _may_forbid(rule: Rule) -> bool:
    if rule.need == "project":
        return rule.role != "read"  # a reader who may not read gets 404, not 403
    return rule.need in ("server_admin", "self", "token_owner")


def document_auth(schema: dict[str, Any], auth: bool) -> None:
    """Declare the bearer scheme in ``schema``; with ``auth``, each operation's use of it."""
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[SCHEME] = {"type": "http", "scheme": "bearer", "description": _note(auth)}
    if not auth:
        return
    rules = _rules_by_template()
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            rule = rules.get((method, path))
            if rule is not None and rule.need == "public":
                operation["security"] = []
                continue
            operation["security"] = [{SCHEME: []}]
            responses = operation.setdefault("responses", {})
            codes = ["401", "429"] + (["403"] if rule is None or _may_forbid(rule) else [])
            for code in sorted(codes):
                if code in responses and code == "429":  # the route's own 429 (uploads): both
                    said = responses[code]["description"]
                    responses[code] = {
                        **_RESPONSES[code],
                        "description": f"{said}; or {_RESPONSES[code]['description']}",
                    }
                responses.setdefault(code, _RESPONSES[code])
