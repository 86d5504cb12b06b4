"""Who may do what: the one place every route (``/api/v1``, the MLflow routes, sweeps) asks.

Routes never decide access themselves. They ask here with the project a request touches and the
role it needs; listings ask for the set of projects the caller may read. With authentication off
(the embedded default and a loopback server) every caller may do everything.
"""

from __future__ import annotations

from typing import Literal

from fastapi import Request

Role = Literal["read", "write", "admin"]


def require_project(request: Request, project_id: str, role: Role) -> None:
    """Return if the caller holds ``role`` (or higher) on ``project_id``; raise otherwise.

    Raises ``NotFound`` when the caller may not read the project (its existence is not revealed)
    and a forbidden error when it may read but not act. Auth off: always returns.
    """
    del request, project_id, role


def readable_project_ids(request: Request) -> set[str] | None:
    """The projects the caller may read, or ``None`` for "all of them" (auth off, server admin)."""
    del request
    return None
