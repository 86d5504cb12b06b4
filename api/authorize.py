"""The one dependency of every route: authenticate the bearer token, then apply the route's rule
(``api/rules.py``). With authentication off it does nothing.

401 for a missing, malformed, unknown, revoked or expired token or a disabled user; failed
attempts are counted per client address and, past ``RUNWAY_AUTH_FAILURES_PER_MINUTE``, answered
429 with ``Retry-After``. A valid token is always accepted: one client guessing behind a NAT or
a proxy does not lock out everyone who shares its address. A project the caller cannot read is
404; one it can read but not change is 403. A rule's finder that finds no project, or names a
thing that does not exist, is 404 too (never "no check"), except a project the request creates,
on a rule marked ``creates``, and a request naming nothing on a rule marked ``empty_ok``.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI, Request
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from runway_core.auth.service import AccessService, Principal
from runway_core.errors import (
    Forbidden,
    NotFound,
    ServerMisconfigured,
    TooManyRequests,
    Unauthorized,
)

from .access import (
    SCOPE_ACCESS,
    SCOPE_FAILED_LOGINS,
    SCOPE_ROOT_PATH,
    access_service,
    require_project,
)
from .routemap import app_routes
from .rules import CREATED, RULES, Rule, from_path, token_owner


class FailedLogins:
    """Failed authentications per client address, in a moving one-minute window (per worker:
    each worker process counts on its own)."""

    def __init__(self, per_minute: int):
        self._limit = RateLimitItemPerMinute(per_minute)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def failed(self, client: str) -> None:
        """Count a failure from ``client``; past the limit, ``TooManyRequests`` instead."""
        if not self._limiter.hit(self._limit, client):
            reset = self._limiter.get_window_stats(self._limit, client).reset_time
            wait = max(1, int(reset - time.time()) + 1)
            raise TooManyRequests(
                f"too many failed authentications from {client}; retry in {wait} s",
                retry_after=wait,
            )


def route_template(request: Request) -> str:
    """The full path template of the route serving ``request`` (``/api/v1/runs/{run_id}``),
    also for a route of a sub-application mounted on the app (its mount path first)."""
    scope = request.scope
    route = scope.get("route")
    templates: dict[int, str] | None = getattr(request.app.state, "route_templates", None)
    if templates is None:
        templates = request.app.state.route_templates = {}
    if id(route) not in templates:
        templates.update({id(r): prefix + str(r.path) for prefix, r in app_routes(request.app)})
    root = str(scope.get("root_path", ""))
    mount = root[len(str(scope.get(SCOPE_ROOT_PATH, root))) :]
    return mount + templates.get(id(route), str(getattr(route, "path", request.url.path)))


def rule_for(request: Request) -> tuple[str, str, Rule | None]:
    method = "GET" if request.method == "HEAD" else request.method
    template = route_template(request)
    return method, template, RULES.get((method, template))


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer TOKEN'")
    return token.strip()


def authenticate(request: Request, service: AccessService) -> Principal:
    """The caller of ``request``. A request without a token is refused without counting (a
    dashboard's first page view, a client not set up yet); a wrong token counts as a failure,
    answered 429 rather than 401 past the limit. The token is checked first: a valid one is
    never refused for the failures of others at the same address. (Guessing is made hopeless by
    a token's 256 random bits, not by the limit; the limit tells a scanner or a misconfigured
    client to back off.)

    The client address is the connection's, or the one a proxy named by the operator
    (``runway server --forwarded-allow-ips``) forwarded: a client cannot choose its own."""
    if "authorization" not in request.headers:
        raise Unauthorized(
            "this server requires an API token: send Authorization: Bearer TOKEN "
            "(RUNWAY_TOKEN for the SDK and CLI)"
        )
    try:
        token = _bearer(request)
        assert token is not None
        return service.authenticate(token)
    except Unauthorized:
        failures: FailedLogins = request.scope[SCOPE_FAILED_LOGINS]
        failures.failed(request.client.host if request.client else "unknown")
        raise


async def authorize(request: Request) -> None:
    service = access_service(request)
    if service is None:
        return
    method, template, rule = rule_for(request)
    if rule is None:  # deny by default: a route nobody wrote a rule for is for nobody
        raise ServerMisconfigured(f"no authorization rule for {method} {template}")
    if rule.need == "public":
        return
    principal = authenticate(request, service)
    request.state.principal = principal
    if rule.need in ("user", "unsupported") or principal.admin:
        return
    if rule.need == "server_admin":
        raise Forbidden(f"user {principal.name!r} is not a server admin; this needs one")
    if rule.need == "self":
        if request.path_params.get("name") != principal.name:
            raise Forbidden(f"user {principal.name!r} may only act on itself here")
        return
    if rule.need == "token_owner":
        if token_owner(request, service) != principal.name:
            raise Forbidden(f"user {principal.name!r} may only revoke its own tokens")
        return
    targets = (
        from_path(request, service) if rule.find is None else await rule.find(request, service)
    )
    if not targets and not rule.empty_ok:  # fail closed: nothing found, nothing allowed
        raise NotFound("the request names no project, experiment, run or sweep")
    checked: set[str] = set()  # a batch of writes names the same project many times
    for project_id, what in targets:
        if project_id is None:
            if (project_id, what) == CREATED and rule.creates:
                continue  # the store makes the caller its admin in the same transaction
            raise NotFound(f"{what or 'the project'} not found")
        if project_id not in checked:
            checked.add(project_id)
            require_project(request, project_id, rule.role, what=what)


class AuthScope:
    """Puts the access checks in every request's scope, where mounted sub-applications (whose
    ``request.app`` is their own) find them as well."""

    def __init__(self, app: ASGIApp, service: AccessService, failures: FailedLogins):
        self.app = app
        self.service = service
        self.failures = failures

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[SCOPE_ACCESS] = self.service
            scope[SCOPE_FAILED_LOGINS] = self.failures
            scope[SCOPE_ROOT_PATH] = scope.get("root_path", "")
        await self.app(scope, receive, send)


def install_auth(app: FastAPI, engine: Any, *, failures_per_minute: int) -> None:
    """Turn authentication on for ``app`` (over the SQL database at ``engine``). A sub-application
    mounted on it must be built with ``dependencies=[Depends(authorize)]`` as well."""
    service = AccessService(engine)
    app.state.access = service
    app.add_middleware(AuthScope, service=service, failures=FailedLogins(failures_per_minute))
