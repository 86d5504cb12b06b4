"""The auth matrix: every route of the app x every kind of caller, generated from the app's
route table, so a route added without a rule in ``api/rules.py`` (or without a sample request
here, when it takes a body) fails.

Callers: no token, a bad token, a revoked one, an expired one, a disabled user's, a reader, a
writer and an admin of the project, another project's admin, and a server admin. Expected: 401
for the first five on every non-public route; for project routes 404 without read access (the
project's existence is not revealed; 409 "exists and you have no role in it" where the request
creates a project by a name that is taken), 403 with too little, success with enough; for routes of
MLflow endpoints Runway does not serve, their one error (404 ENDPOINT_NOT_FOUND, 501).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from starlette.routing import Mount

from runway.api.app import create_app
from runway.api.authorize import authorize
from runway.api.routemap import app_routes
from runway.api.rules import MLFLOW_PREFIXES, RULES, Rule, project
from runway_core.auth.roles import role_at_least
from runway_core.config import Settings
from tests.auth.conftest import SWEEP_SPEC, TRIAL_WORKER, AuthApp, World, make_world

UNAUTHENTICATED = ("none", "bad", "revoked", "expired", "disabled")
AUTHENTICATED = ("reader", "writer", "padmin", "outsider", "root")
PRINCIPALS = UNAUTHENTICATED + AUTHENTICATED
PROJECT_ROLE = {"reader": "read", "writer": "write", "padmin": "admin", "outsider": None}
V1 = "/api/v1"

V = TypeVar("V")


def mlflow(table: dict[tuple[str, str], V]) -> dict[tuple[str, str], V]:
    """``table`` (paths under the MLflow prefixes) for both prefixes, ``/api`` and ``/ajax-api``."""
    return {(m, pre + path): v for pre in MLFLOW_PREFIXES for (m, path), v in table.items()}


# POST only to carry a long query
READS_BY_POST = {V1 + "/runs/search", *(pre + "/mlflow/runs/search" for pre in MLFLOW_PREFIXES)}


def all_routes() -> dict[tuple[str, str], bool]:
    """(method, full path template) of every route the app serves -> whether it takes a JSON
    body."""
    app = create_app(Settings(backend_uri="sqlite:///:memory:", secret_key=None))
    found = {}
    for base, sub in [("", app), *mounted_apps(app)]:
        for prefix, route in app_routes(sub):
            for method in getattr(route, "methods", None) or ():
                if method != "HEAD":
                    template = base + prefix + route.path
                    found[(method, template)] = getattr(route, "body_field", None) is not None
    return dict(sorted(found.items(), key=lambda r: (r[0][1], r[0][0])))


def mounted_apps(app: Any) -> list[tuple[str, Any]]:
    """(mount path, application) of the FastAPI sub-applications mounted on ``app``."""
    return [
        (route.path, route.app)
        for _prefix, route in app_routes(app)
        if isinstance(route, Mount) and hasattr(route.app, "router")
    ]


def test_mounted_sub_applications_pass_the_same_check() -> None:
    app = create_app(Settings(backend_uri="sqlite:///:memory:", secret_key=None))
    for path, sub in mounted_apps(app):
        used = [d.dependency for d in sub.router.dependencies]
        assert authorize in used, f"the app mounted at {path} lacks Depends(authorize)"


TAKES_BODY = all_routes()
ROUTES = list(TAKES_BODY)


# -- sample requests --------------------------------------------------------------------------

PATH_VALUES: dict[str, Callable[[World], str]] = {
    "project_id": lambda w: w.project_id,
    "experiment_id": lambda w: w.experiment_id,
    "run_id": lambda w: w.run_id,
    "credential_id": lambda w: w.credential_id,
    "path": lambda w: "a.txt",
    "key": lambda w: "loss",
    "name": lambda w: "writer",
    "user": lambda w: "outsider",
    "sweep_id": lambda w: w.sweep_id,
    "rest": lambda w: "no-such/endpoint",
}
# Where a template needs another value for one of its parameters.
PATH_OVERRIDES: dict[tuple[str, str], dict[str, Callable[[World], str]]] = {
    ("GET", V1 + "/projects/by-name/{name:path}"): {"name": lambda w: w.project_name},
    ("GET", V1 + "/projects/{project_id}/experiments/by-name/{name:path}"): {
        "name": lambda w: w.experiment_name
    },
    ("GET", V1 + "/runs/{run_id}/archive/{path:path}"): {"path": lambda w: "a.zip"},
    ("GET", "/docs/assets/{name}"): {"name": lambda w: "swagger-ui.css"},
    ("PUT", V1 + "/runs/{run_id}/artifacts/{path:path}"): {"path": lambda w: "b.txt"},
    ("POST", V1 + "/runs/{run_id}/artifacts/{path:path}"): {"path": lambda w: "link.txt"},
    ("POST", V1 + "/runs/{run_id}/artifact-content/{path:path}"): {"path": lambda w: "c.txt"},
    ("DELETE", V1 + "/runs/{run_id}/tags/{key:path}"): {"key": lambda w: "t"},
    ("DELETE", V1 + "/projects/{project_id}/members/{user}"): {"user": lambda w: "reader"},
    **{
        ("POST", V1 + f"/trials/{{run_id}}/{action}"): {"run_id": lambda w: w.trial_run_id}
        for action in ("heartbeat", "launched", "stop")
    },
    # mlflow-artifacts paths: <experiment>/<run>/artifacts/<path within the run's artifacts>
    **mlflow(
        {
            (m, "/mlflow-artifacts/artifacts/{path:path}"): {
                "path": lambda w, f=f: f"{w.experiment_id}/{w.run_id}/artifacts/{f}"
            }
            for m, f in (("GET", "a.txt"), ("PUT", "new.txt"), ("DELETE", "a.txt"))
        }
    ),
}
QUERIES: dict[tuple[str, str], Callable[[World], dict[str, str]]] = {
    ("GET", V1 + "/runs"): lambda w: {"project_id": w.project_id},
    ("GET", V1 + "/artifacts/diff"): lambda w: {
        "run_a": w.run_id,
        "path_a": "a.txt",
        "run_b": w.run_id,
    },
    ("GET", V1 + "/sweeps"): lambda w: {"project_id": w.project_id},
    ("POST", V1 + "/sweeps/{sweep_id}/requeue"): lambda w: {"timeout": "60"},
    **mlflow(
        {
            ("GET", "/mlflow/artifacts/list"): lambda w: {"run_id": w.run_id},
            ("GET", "/mlflow/experiments/get"): lambda w: {"experiment_id": w.experiment_id},
            ("GET", "/mlflow/experiments/get-by-name"): lambda w: {
                "experiment_name": w.experiment_name
            },
            ("GET", "/mlflow/metrics/get-history"): lambda w: {
                "run_id": w.run_id,
                "metric_key": "loss",
            },
            ("GET", "/mlflow/metrics/get-history-bulk-interval"): lambda w: {
                "run_ids": w.run_id,
                "metric_key": "loss",
            },
            ("GET", "/mlflow/runs/get"): lambda w: {"run_uuid": w.run_id},
            ("GET", "/mlflow-artifacts/artifacts"): lambda w: {
                "path": f"{w.experiment_id}/{w.run_id}/artifacts"
            },
        }
    ),
}


def _unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


BODIES: dict[tuple[str, str], Callable[[World], Any]] = {
    ("POST", V1 + "/projects"): lambda w: {"name": _unique("new")},
    ("PATCH", V1 + "/projects/{project_id}"): lambda w: {"description": "changed"},
    ("PUT", V1 + "/projects/{project_id}/members/{user}"): lambda w: {"role": "read"},
    ("PUT", V1 + "/projects/{project_id}/metric-goals/{key:path}"): lambda w: {"goal": "min"},
    ("POST", V1 + "/projects/{project_id}/credentials"): lambda w: {
        "name": _unique("cred"),
        "kind": "generic",
        "secrets": {"token": "x"},
    },
    ("PUT", V1 + "/projects/{project_id}/credentials/{credential_id}"): lambda w: {
        "secrets": {"token": "y"}
    },
    ("POST", V1 + "/projects/{project_id}/experiments"): lambda w: {"name": _unique("exp")},
    ("PATCH", V1 + "/experiments/{experiment_id}"): lambda w: {"description": "changed"},
    ("POST", V1 + "/runs/search"): lambda w: {"project_id": w.project_id},
    ("POST", V1 + "/runs"): lambda w: {"experiment_id": w.experiment_id},
    ("POST", V1 + "/runs/bulk"): lambda w: {"runs": [{"experiment_id": w.experiment_id}]},
    ("POST", V1 + "/runs/ensure"): lambda w: {
        "id": uuid.uuid4().hex,
        "project": w.project_name,
        "experiment": w.experiment_name,
    },
    ("POST", V1 + "/writes"): lambda w: {
        "writes": [{"op": "tags", "run_id": w.run_id, "tags": {"k": "v"}}]
    },
    ("PATCH", V1 + "/runs/{run_id}"): lambda w: {"description": "changed"},
    ("POST", V1 + "/runs/{run_id}/params"): lambda w: {"params": {"extra": 1}},
    ("POST", V1 + "/runs/{run_id}/tags"): lambda w: {"tags": {"k": "v"}},
    ("POST", V1 + "/runs/{run_id}/metrics"): lambda w: {"metrics": {"acc": {"values": [0.5]}}},
    ("PUT", V1 + "/runs/{run_id}/artifacts/{path:path}"): lambda w: b"new bytes",
    ("POST", V1 + "/runs/{run_id}/artifacts/{path:path}"): lambda w: {
        "uri": "https://example.com/x"
    },
    ("POST", V1 + "/runs/{run_id}/artifact-content/{path:path}"): lambda w: {
        "sha256": w.text_sha256
    },
    ("POST", V1 + "/users"): lambda w: {"name": _unique("u")},
    ("POST", V1 + "/users/{name}/tokens"): lambda w: {},
    # sweeps and their trials
    ("POST", V1 + "/sweeps"): lambda w: {"experiment_id": w.experiment_id, "spec": SWEEP_SPEC},
    ("POST", V1 + "/sweeps/{sweep_id}/claim"): lambda w: {"worker": "worker-2"},
    ("PUT", V1 + "/sweeps/{sweep_id}/status"): lambda w: {"status": "paused"},
    ("POST", V1 + "/trials/{run_id}/heartbeat"): lambda w: {"worker": TRIAL_WORKER},
    ("POST", V1 + "/trials/{run_id}/launched"): lambda w: {"launched": "flow-run-1"},
    ("POST", V1 + "/trials/{run_id}/stop"): lambda w: {"reason": "enough"},
    # MLflow, as its client sends them
    **mlflow(
        {
            ("POST", "/mlflow/experiments/create"): lambda w: {
                "name": _unique("ml"),
                "tags": [{"key": "runway.project", "value": w.project_name}],
            },
            ("POST", "/mlflow/experiments/delete"): lambda w: {"experiment_id": w.experiment_id},
            ("POST", "/mlflow/experiments/restore"): lambda w: {"experiment_id": w.experiment_id},
            ("POST", "/mlflow/experiments/update"): lambda w: {
                "experiment_id": w.experiment_id,
                "new_name": _unique("renamed"),
            },
            ("POST", "/mlflow/experiments/set-experiment-tag"): lambda w: {
                "experiment_id": w.experiment_id,
                "key": "k",
                "value": "v",
            },
            ("POST", "/mlflow/experiments/delete-experiment-tag"): lambda w: {
                "experiment_id": w.experiment_id,
                "key": "k",
            },
            ("POST", "/mlflow/experiments/search"): lambda w: {"max_results": 10},
            ("POST", "/mlflow/logged-models/search"): lambda w: {},
            ("POST", "/mlflow/runs/create"): lambda w: {"experiment_id": w.experiment_id},
            ("POST", "/mlflow/runs/search"): lambda w: {"experiment_ids": [w.experiment_id]},
            ("POST", "/mlflow/runs/update"): lambda w: {"run_id": w.run_id, "status": "FINISHED"},
            ("POST", "/mlflow/runs/delete"): lambda w: {"run_id": w.run_id},
            ("POST", "/mlflow/runs/restore"): lambda w: {"run_id": w.run_id},
            ("POST", "/mlflow/runs/set-tag"): lambda w: {
                "run_id": w.run_id,
                "key": "k",
                "value": "v",
            },
            ("POST", "/mlflow/runs/delete-tag"): lambda w: {"run_id": w.run_id, "key": "t"},
            ("POST", "/mlflow/runs/log-metric"): lambda w: {
                "run_uuid": w.run_id,
                "key": "acc",
                "value": 0.5,
                "timestamp": 1,
                "step": 0,
            },
            ("POST", "/mlflow/runs/log-parameter"): lambda w: {
                "run_id": w.run_id,
                "key": "extra",
                "value": "1",
            },
            ("POST", "/mlflow/runs/log-batch"): lambda w: {
                "run_id": w.run_id,
                "metrics": [{"key": "acc", "value": 0.5, "timestamp": 1, "step": 0}],
                "params": [{"key": "extra", "value": "1"}],
                "tags": [{"key": "k", "value": "v"}],
            },
            ("POST", "/mlflow/runs/log-inputs"): lambda w: {
                "run_id": w.run_id,
                "datasets": [
                    {
                        "dataset": {
                            "name": "d",
                            "digest": "abc",
                            "source_type": "local",
                            "source": "/data",
                        }
                    }
                ],
            },
            ("PUT", "/mlflow-artifacts/artifacts/{path:path}"): lambda w: b"mlflow bytes",
        }
    ),
}


def request_for(
    method: str, template: str, world: World, auth: AuthApp
) -> tuple[str, dict[str, Any]]:
    """The URL and ``client.request`` arguments of a valid request to the route on ``world``."""
    values = {**PATH_VALUES, **PATH_OVERRIDES.get((method, template), {})}
    url = template
    for name, value in values.items():
        for pattern in (f"{{{name}}}", f"{{{name}:path}}"):
            url = url.replace(pattern, value(world))
    if (method, template) == ("POST", V1 + "/users/{name}/disable"):
        url = url.replace("/writer/", "/" + _fresh_user(auth) + "/")
    if (method, template) == ("DELETE", V1 + "/tokens/{token_id}"):
        url = url.replace("{token_id}", auth.store.create_token("writer").id)
    assert "{" not in url, f"no sample value for a path parameter of {template}: add one"
    kwargs: dict[str, Any] = {}
    if (method, template) in QUERIES:
        kwargs["params"] = QUERIES[(method, template)](world)
    if (method, template) in BODIES:
        body = BODIES[(method, template)](world)
        kwargs["content" if isinstance(body, bytes) else "json"] = body
    elif TAKES_BODY[(method, template)]:
        pytest.fail(f"no sample body for {method} {template}: add one to BODIES")
    return url, kwargs


def _fresh_user(auth: AuthApp) -> str:
    from runway_core.schemas.auth import UserCreate

    return auth.store.create_user(UserCreate(name=_unique("victim"))).name


# -- expectations -----------------------------------------------------------------------------


# Routes that answer every authenticated caller one error (rule UNSUPPORTED): which.
UNSUPPORTED_STATUS: dict[tuple[str, str], str] = mlflow(
    {("DELETE", "/mlflow-artifacts/artifacts/{path:path}"): "501"}
)
# USER routes whose handler scopes the answer to the readable projects, yet whose sample names
# one thing of the world: callers get what the project rule here would give them.
SCOPED_LIKE: dict[tuple[str, str], Rule] = mlflow(
    {("GET", "/mlflow/experiments/get-by-name"): project("read")}
)


# Routes whose sample creates the project it names unless that exists: a caller with no role in
# the existing one is told the name is taken (names are server-wide), not a misleading 404.
NAME_TAKEN: dict[tuple[str, str], str] = {
    ("POST", V1 + "/runs/ensure"): "409",
    **mlflow({("POST", "/mlflow/experiments/create"): "400"}),  # RESOURCE_ALREADY_EXISTS
}


def expected(rule: Rule, who: str, route: tuple[str, str] = ("", "")) -> str:
    """``ok``, or the status the caller must get (``route``: (method, template) of the rule)."""
    if rule.need == "public":
        return "ok"
    if who in UNAUTHENTICATED:
        return "401"
    if rule.need == "unsupported":
        return UNSUPPORTED_STATUS.get(route, "404")  # ENDPOINT_NOT_FOUND
    rule = SCOPED_LIKE.get(route, rule)
    if who == "root" or rule.need == "user":
        return "ok"
    if rule.need == "server_admin":
        return "403"
    if rule.need in ("self", "token_owner"):  # the samples name the writer's self and token
        return "ok" if who == "writer" else "403"
    held = PROJECT_ROLE[who]
    if not role_at_least(held, "read"):
        return NAME_TAKEN.get(route, "404")
    return "ok" if role_at_least(held, rule.role) else "403"


@pytest.fixture(scope="module")
def shared_world(auth_app: AuthApp) -> World:
    return make_world(auth_app.store)


def test_every_route_has_a_rule() -> None:
    missing = [f"{m} {t}" for m, t in ROUTES if (m, t) not in RULES]
    assert missing == [], f"routes without an authorization rule in api/rules.py: {missing}"


def test_the_rules_themselves_are_safe() -> None:
    """The matrix checks the app obeys the table; this checks the table: a route naming a
    project, experiment or run needs a role in that project, a change needs more than read,
    only MLflow's catch-alls (and the routes listed in UNSUPPORTED_STATUS) are unsupported,
    and only health and the API's own description are public."""
    unsafe = []
    for method, template in ROUTES:
        rule = RULES[(method, template)]
        names_one = any(f"{{{p}}}" in template for p in ("project_id", "experiment_id", "run_id"))
        if names_one and rule.need != "project":
            unsafe.append(f"{method} {template}: {rule.need} instead of a project role")
        reads = method == "GET" or template in READS_BY_POST
        if rule.need == "project" and not reads and rule.role == "read":
            unsafe.append(f"{method} {template}: changes with the read role")
        if rule.need == "unsupported" and not (
            "{rest:path}" in template or (method, template) in UNSUPPORTED_STATUS
        ):
            unsafe.append(f"{method} {template}: a served route marked unsupported")
        if rule.need == "public" and not template.startswith(
            ("/healthz", "/docs", "/openapi", "/redoc")
        ):
            unsafe.append(f"{method} {template}: public")
    assert unsafe == []


def _hidden_methods(routes: list[Any], shown: bool) -> int:
    """(route, method) pairs kept out of the OpenAPI document: the route's own
    ``include_in_schema`` or that of a router it was included from (walked here, not by
    ``app_routes``); mounted applications are counted on their own."""
    count = 0
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            included = shown and inner.include_in_schema
            count += _hidden_methods(
                inner.routes, included and getattr(context, "include_in_schema", True)
            )
        elif (
            hasattr(route, "path_regex")
            and not isinstance(route, Mount)
            and not (shown and getattr(route, "include_in_schema", True))
        ):
            count += len(set(getattr(route, "methods", None) or ()) - {"HEAD"})
    return count


def test_the_matrix_is_the_size_reported(auth_app: AuthApp) -> None:
    """Routes x callers (the closing note of issue 14 quotes this number), counted a second way:
    the routes from the OpenAPI documents plus those kept out of them (``include_in_schema``),
    the callers from the tokens the team was given. A route the walk of ``all_routes`` missed
    or counted twice, or a caller the matrix does not try, changes one side only."""
    app = create_app(Settings(backend_uri="sqlite:///:memory:", secret_key=None))
    documented: set[tuple[str, str]] = set()
    hidden = 0
    for base, sub in [("", app), *mounted_apps(app)]:
        for path, operations in sub.openapi().get("paths", {}).items():
            documented |= {(m.upper(), base + path) for m in operations if m.upper() != "HEAD"}
        hidden += _hidden_methods(sub.router.routes, shown=True)
    plain = {(m, re.sub(r"\{(\w+):path\}", r"{\1}", t)) for m, t in ROUTES}
    assert documented <= plain, f"documented routes the matrix lacks: {documented - plain}"
    callers = set(auth_app.team.tokens)
    assert callers == set(PRINCIPALS), callers ^ set(PRINCIPALS)
    assert len(ROUTES) * len(PRINCIPALS) == (len(documented) + hidden) * len(callers)
    print(f"auth matrix: {len(ROUTES)} routes x {len(PRINCIPALS)} callers")


@pytest.mark.parametrize(("method", "template"), ROUTES, ids=[f"{m} {t}" for m, t in ROUTES])
def test_route(method: str, template: str, auth_app: AuthApp, shared_world: World) -> None:
    rule = RULES.get((method, template))
    if rule is None:
        pytest.fail(f"no rule for {method} {template} in api/rules.py")
    wrong = []
    for who in PRINCIPALS:
        want = expected(rule, who, (method, template))
        # A change that is allowed gets a world of its own: it may delete what others read.
        world = shared_world
        if want == "ok" and method != "GET":
            world = make_world(auth_app.store)
        url, kwargs = request_for(method, template, world, auth_app)
        response = auth_app.client.request(
            method, url, headers=auth_app.team.headers(who), **kwargs
        )
        got = response.status_code
        fine = got < 400 if want == "ok" else str(got) == want
        if not fine:
            wrong.append(f"{who}: expected {want}, got {got} {response.text[:160]}")
    assert wrong == [], f"{method} {template}:\n" + "\n".join(wrong)
