"""Who may do what: the one place every route (``/api/v1``, the MLflow routes, sweeps) asks.

Routes never decide access themselves. ``authorize`` (a dependency of the whole app) resolves
the caller from its bearer token and applies the route's rule from ``api/rules.py``; routes
whose body names the projects ask here with the project a request touches and the role it
needs; listings and writes that may create a project call the store ``as_caller``, which
selects and checks in SQL, in the write's own transaction. With authentication off (the
embedded default and a loopback server) every caller may do everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from fastapi import Request

from runway_core.auth.roles import role_at_least
from runway_core.auth.service import AccessService, Principal
from runway_core.errors import AlreadyExists, Forbidden, NotFound, Unauthorized
from runway_core.store.sql.acting import acting_as, role_message, taken_name_message

Role = Literal["read", "write", "admin"]
SCOPE_ACCESS = "runway.access"  # the AccessService, in every request's scope when auth is on
SCOPE_ROOT_PATH = "runway.root_path"  # the root app's root_path (to find a mount's prefix)
SCOPE_FAILED_LOGINS = "runway.failed_logins"


def access_service(request: Request) -> AccessService | None:
    """The app's access checks, or ``None`` when authentication is off. Read from the request's
    scope (set for the whole app), so sub-applications mounted on it see it too."""
    service: AccessService | None = request.scope.get(SCOPE_ACCESS)
    if service is None:
        service = getattr(request.app.state, "access", None)
    return service


def current_principal(request: Request) -> Principal | None:
    """The authenticated caller (``None`` with authentication off)."""
    if access_service(request) is None:
        return None
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:  # a route reached without the authorize dependency: refuse
        raise Unauthorized("authentication required: send Authorization: Bearer TOKEN")
    return principal


def require_project(
    request: Request, project_id: str, role: Role, *, what: str | None = None
) -> None:
    """Return if the caller holds ``role`` (or higher) on ``project_id``; raise otherwise.

    Raises ``NotFound`` when the caller may not read the project (its existence is not revealed;
    ``what`` names the thing the request asked for, e.g. ``run 'ab12'``, as its own 404 would)
    and ``Forbidden`` when it may read but not act. Auth off: always returns.
    """
    service = access_service(request)
    if service is None:
        return
    principal = current_principal(request)
    assert principal is not None
    held = service.role_in(principal, project_id)
    if not role_at_least(held, "read"):
        raise NotFound(f"{what or f'project {project_id!r}'} not found")
    if not role_at_least(held, role):
        raise Forbidden(role_message(principal.name, held, role, f"project {project_id!r}"))


def refuse_taken_name(request: Request, project_id: str, name: str) -> None:
    """A request that creates project ``name`` unless it exists found it, as ``project_id``:
    raise ``AlreadyExists`` when the caller holds no role in it. Names are unique server-wide,
    so saying that one is taken reveals no more than creating it would (409)."""
    service = access_service(request)
    principal = current_principal(request)
    if service is None or principal is None or service.role_in(principal, project_id):
        return
    raise AlreadyExists(taken_name_message(name), field="project")


def require_server_admin(request: Request) -> None:
    service = access_service(request)
    if service is None:
        return
    principal = current_principal(request)
    assert principal is not None
    if not principal.admin:
        raise Forbidden(f"user {principal.name!r} is not a server admin; this needs one")


def readable_project_ids(request: Request) -> set[str] | None:
    """The projects the caller may read, or ``None`` for "all of them" (auth off, server admin).
    Listings do not filter with it: they ask the store ``as_caller``, which selects in SQL."""
    service = access_service(request)
    if service is None:
        return None
    principal = current_principal(request)
    assert principal is not None
    return service.readable_project_ids(principal)


@contextmanager
def as_caller(request: Request) -> Iterator[None]:
    """Store calls inside act for the caller (``runway_core.store.sql.acting``): listings hold
    only the projects it may read, a project the store creates gets it as admin in the same
    transaction, and a run created in a project named by name needs its write role there.
    With authentication off: nothing changes."""
    principal = current_principal(request)
    if principal is None:
        yield
        return
    with acting_as(principal.user_id, principal.name, admin=principal.admin):
        yield
