"""The authorization rule of every route, keyed by method and path template.

A rule says who may call a route: anyone (``PUBLIC``), any authenticated user (``USER``: the
route itself scopes what it returns or checks what its body names), a server admin
(``SERVER_ADMIN``), the user named in the path (``SELF``), or a role in the project the request
touches (``project("write")``), found from the path parameters (``project_id``,
``experiment_id``, ``run_id``) or by a finder that reads the body or query. ``UNSUPPORTED``
marks a route that answers every authenticated caller with the same error (an MLflow endpoint
Runway does not serve). Adding a route means adding one line here; ``tests/auth`` fails for a
route without one.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import Request

from runway_core.auth.roles import Role
from runway_core.auth.service import AccessService
from runway_core.auth.tokens import token_id_of

from .access import refuse_taken_name
from .mlflow.mapping import DEFAULT_EXPERIMENT_ID, PROJECT_TAG

# (project id or None when the thing does not exist, and what the request named, for the 404's
# message). A project still to be created is ``CREATED``: only a rule marked ``creates`` lets
# it pass (the store then makes the caller its admin, or refuses it, in the write's own
# transaction: ``runway_core.store.sql.acting``). A finder that finds nothing, or a thing
# that does not exist, is refused 404 by ``authorize``: it never lets a request through
# unchecked.
Target = tuple[str | None, str]
CREATED: Target = (None, "")
Finder = Callable[[Request, AccessService], Awaitable[list[Target]]]
Need = Literal["public", "user", "unsupported", "server_admin", "self", "token_owner", "project"]


@dataclass(frozen=True)
class Rule:
    need: Need
    role: Role = "read"
    find: Finder | None = None  # None: from the path parameters
    # The request may create the project it names (its finder answers CREATED for it).
    creates: bool = False
    # The request may name nothing at all; its route then touches no project (an empty search,
    # a listing above every run) or lists only the projects the caller may read, in SQL.
    empty_ok: bool = False


PUBLIC = Rule("public")
USER = Rule("user")
SERVER_ADMIN = Rule("server_admin")
SELF = Rule("self")  # the user named by the path's {name}, or a server admin
TOKEN_OWNER = Rule("token_owner")  # the owner of the path's {token_id}, or a server admin
# Any authenticated user; the route answers all of them with one error (ENDPOINT_NOT_FOUND,
# NOT_IMPLEMENTED), so it reveals nothing of any project.
UNSUPPORTED = Rule("unsupported")


def project(
    role: Role, find: Finder | None = None, *, creates: bool = False, empty_ok: bool = False
) -> Rule:
    return Rule("project", role, find, creates=creates, empty_ok=empty_ok)


# -- finding the projects a request touches ---------------------------------------------------


def from_path(request: Request, service: AccessService) -> list[Target]:
    params = request.path_params
    if "project_id" in params:
        return [(str(params["project_id"]), f"project {params['project_id']!r}")]
    if "experiment_id" in params:
        exp = str(params["experiment_id"])
        return [(service.project_of_experiment(exp), f"experiment {exp!r}")]
    if "run_id" in params:
        run = str(params["run_id"])
        return [(service.project_of_run(run), f"run {run!r}")]
    raise LookupError(f"no project, experiment or run in the path {request.url.path}")


async def _json(request: Request) -> Any:
    """The JSON body, or ``None`` when it is not JSON (the route then refuses it itself)."""
    try:
        return json.loads(await request.body())
    except ValueError:
        return None


def _runs(service: AccessService, run_ids: list[Any]) -> list[Target]:
    return [(service.project_of_run(str(r)), f"run {str(r)!r}") for r in run_ids]


def _experiments(service: AccessService, ids: list[Any]) -> list[Target]:
    return [(service.project_of_experiment(str(e)), f"experiment {str(e)!r}") for e in ids]


async def project_named_in_path(request: Request, service: AccessService) -> list[Target]:
    name = str(request.path_params["name"])
    return [(service.project_named(name), f"project named {name!r}")]


async def search_scope(request: Request, service: AccessService) -> list[Target]:
    """``POST /runs/search`` (body) and ``GET /runs`` (query): its project and experiments."""
    if request.method == "GET":
        project_id: Any = request.query_params.get("project_id")
        experiments: Any = request.query_params.getlist("experiment_id")
    else:
        body = await _json(request)
        body = body if isinstance(body, dict) else {}
        project_id, experiments = body.get("project_id"), body.get("experiment_ids")
    targets: list[Target] = []
    if isinstance(project_id, str):
        targets.append((project_id, f"project {project_id!r}"))
    if isinstance(experiments, list):
        targets += _experiments(service, experiments)
    return targets


async def diff_runs(request: Request, service: AccessService) -> list[Target]:
    q = request.query_params
    return _runs(service, [q[name] for name in ("run_a", "run_b") if name in q])


async def new_run(request: Request, service: AccessService) -> list[Target]:
    body = await _json(request)
    exp = body.get("experiment_id") if isinstance(body, dict) else None
    return _experiments(service, [exp]) if isinstance(exp, str) else []


async def new_runs(request: Request, service: AccessService) -> list[Target]:
    body = await _json(request)
    runs = body.get("runs") if isinstance(body, dict) else None
    ids = [r.get("experiment_id") for r in runs or () if isinstance(r, dict)]
    return _experiments(service, [e for e in dict.fromkeys(ids) if isinstance(e, str)])


def _named_for_creation(request: Request, service: AccessService, name: str) -> Target:
    """A project a request creates unless it exists: when it exists and the caller has no role
    in it, 409 saying so (names are server-wide), not a 404 that hides the real cause."""
    found = service.project_named(name)
    if found is None:
        return CREATED
    refuse_taken_name(request, found, name)
    return (found, f"project named {name!r}")


def _ensured(request: Request, service: AccessService, start: Any) -> Target:
    """A get-or-create of a run: an existing run's project, else the named project's (or
    ``CREATED`` when the project is to be created too)."""
    if not isinstance(start, dict):
        return CREATED  # not a valid request: the route refuses it
    run_id = start.get("id")
    if isinstance(run_id, str):
        found = service.project_of_run(run_id)
        if found is not None:
            return (found, f"run {run_id!r}")
    name = start.get("project")
    return _named_for_creation(request, service, name) if isinstance(name, str) else CREATED


async def ensured_run(request: Request, service: AccessService) -> list[Target]:
    return [_ensured(request, service, await _json(request))]


async def written_runs(request: Request, service: AccessService) -> list[Target]:
    """``POST /writes``: every write's run (created by the batch: the project it names)."""
    body = await _json(request)
    writes = body.get("writes") if isinstance(body, dict) else None
    targets: list[Target] = []
    seen: set[str] = set()  # a run created by the batch is checked by its create_run
    for write in writes if isinstance(writes, list) else ():
        if not isinstance(write, dict):
            continue
        if write.get("op") == "create_run":
            start = write.get("run")
            targets.append(_ensured(request, service, start))
            created = start.get("id") if isinstance(start, dict) else None
            if isinstance(created, str):
                seen.add(created)
        run_id = write.get("run_id")
        if isinstance(run_id, str) and run_id not in seen:
            seen.add(run_id)
            targets += _runs(service, [run_id])
    return targets


async def sweep_in_path(request: Request, service: AccessService) -> list[Target]:
    sweep = str(request.path_params["sweep_id"])
    return [(service.project_of_sweep(sweep), f"sweep {sweep!r}")]


# -- the MLflow routes: ids in the query string (GET) or the JSON body, as MLflow's client sends
# them; an MLflow experiment id is the Runway one, except "0", the MLflow project's "Default".


async def _mlflow_fields(request: Request) -> dict[str, Any]:
    if request.method in ("GET", "HEAD"):
        return dict(request.query_params)
    body = await _json(request)
    return body if isinstance(body, dict) else {}


DEFAULT_EXPERIMENT_WHAT = f"experiment {DEFAULT_EXPERIMENT_ID!r}"


def _mlflow_experiments(request: Request, service: AccessService, ids: list[Any]) -> list[Target]:
    targets: list[Target] = []
    for eid in ids:
        if not isinstance(eid, str) or not eid:
            continue  # the route refuses it itself
        if eid == DEFAULT_EXPERIMENT_ID:  # None while the MLflow project is to be created
            name = str(request.app.state.settings.mlflow_project)
            targets.append((service.project_named(name), DEFAULT_EXPERIMENT_WHAT))
        else:
            targets.append((service.project_of_experiment(eid), f"experiment {eid!r}"))
    return targets


async def mlflow_experiment(request: Request, service: AccessService) -> list[Target]:
    """``experiment_id`` (experiments/get, delete, restore, update, set/delete tags)."""
    fields = await _mlflow_fields(request)
    return _mlflow_experiments(request, service, [fields.get("experiment_id")])


async def mlflow_new_run(request: Request, service: AccessService) -> list[Target]:
    """runs/create: ``experiment_id``, MLflow's default experiment "0" when absent (which
    creates the MLflow project if it is still missing)."""
    fields = await _mlflow_fields(request)
    targets = _mlflow_experiments(request, service, [fields.get("experiment_id") or "0"])
    return [CREATED if t == (None, DEFAULT_EXPERIMENT_WHAT) else t for t in targets]


async def mlflow_new_experiment(request: Request, service: AccessService) -> list[Target]:
    """experiments/create: the project its ``runway.project`` tag names, else the MLflow
    project (``CREATED`` when that project is still to be created)."""
    fields = await _mlflow_fields(request)
    name: Any = request.app.state.settings.mlflow_project
    tags = fields.get("tags")
    for tag in tags if isinstance(tags, list) else ():
        if isinstance(tag, dict) and tag.get("key") == PROJECT_TAG:
            name = tag.get("value") or name
    if not isinstance(name, str):
        return []
    return [_named_for_creation(request, service, name)]


async def mlflow_search(request: Request, service: AccessService) -> list[Target]:
    """runs/search: every experiment of ``experiment_ids`` (none: an empty answer)."""
    ids = (await _mlflow_fields(request)).get("experiment_ids")
    return _mlflow_experiments(request, service, ids if isinstance(ids, list) else [])


async def mlflow_run(request: Request, service: AccessService) -> list[Target]:
    """``run_id``, or the older ``run_uuid`` (runs/get, update, delete, restore, the log-* and
    tag routes, get-history, artifacts/list)."""
    fields = await _mlflow_fields(request)
    run_id = fields.get("run_id") or fields.get("run_uuid")
    return _runs(service, [run_id]) if isinstance(run_id, str) else []


async def mlflow_runs_in_query(request: Request, service: AccessService) -> list[Target]:
    """get-history-bulk-interval: every ``run_ids`` of the query string."""
    return _runs(service, request.query_params.getlist("run_ids"))


async def mlflow_artifact_path(request: Request, service: AccessService) -> list[Target]:
    """mlflow-artifacts: the run of ``<experiment>/<run>/artifacts/<path>``, in the path (or,
    for the listing, the ``path`` query parameter); a shorter path names no run."""
    path = request.path_params.get("path", request.query_params.get("path", ""))
    parts = str(path).strip("/").split("/")
    return _runs(service, [parts[1]]) if len(parts) >= 3 and parts[1] else []


def token_owner(request: Request, service: AccessService) -> str | None:
    raw = str(request.path_params.get("token_id", ""))
    return service.owner_of_token(token_id_of(raw) or raw)


# -- the table --------------------------------------------------------------------------------

V1 = "/api/v1"
READ, WRITE, ADMIN = project("read"), project("write"), project("admin")

RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): PUBLIC,
    # Prometheus scrapes with a server admin's token (counts by route template: how the server
    # is used, by whom it does not say, but not for anyone to read).
    ("GET", "/metrics"): SERVER_ADMIN,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/docs/assets/{name}"): PUBLIC,  # the two pages' scripts and styles (api/docs_ui.py)
    # projects (creating one makes its creator the admin; the list holds only readable ones)
    ("POST", V1 + "/projects"): USER,
    ("GET", V1 + "/projects"): USER,
    ("GET", V1 + "/projects/by-name/{name:path}"): project("read", project_named_in_path),
    ("GET", V1 + "/projects/{project_id}"): READ,
    ("PATCH", V1 + "/projects/{project_id}"): WRITE,
    ("DELETE", V1 + "/projects/{project_id}"): ADMIN,
    ("GET", V1 + "/projects/{project_id}/members"): READ,
    ("PUT", V1 + "/projects/{project_id}/members/{user}"): ADMIN,
    ("DELETE", V1 + "/projects/{project_id}/members/{user}"): ADMIN,
    ("GET", V1 + "/projects/{project_id}/metric-goals"): READ,
    ("PUT", V1 + "/projects/{project_id}/metric-goals/{key:path}"): WRITE,
    ("DELETE", V1 + "/projects/{project_id}/metric-goals/{key:path}"): WRITE,
    # credentials: project admins only, reads included (masked as they are)
    ("POST", V1 + "/projects/{project_id}/credentials"): ADMIN,
    ("GET", V1 + "/projects/{project_id}/credentials"): ADMIN,
    ("GET", V1 + "/projects/{project_id}/credentials/{credential_id}"): ADMIN,
    ("PUT", V1 + "/projects/{project_id}/credentials/{credential_id}"): ADMIN,
    ("DELETE", V1 + "/projects/{project_id}/credentials/{credential_id}"): ADMIN,
    # experiments
    ("POST", V1 + "/projects/{project_id}/experiments"): WRITE,
    ("GET", V1 + "/projects/{project_id}/experiments"): READ,
    ("GET", V1 + "/projects/{project_id}/experiments/by-name/{name:path}"): READ,
    ("GET", V1 + "/experiments/{experiment_id}"): READ,
    ("PATCH", V1 + "/experiments/{experiment_id}"): WRITE,
    ("DELETE", V1 + "/experiments/{experiment_id}"): WRITE,
    # search
    ("POST", V1 + "/runs/search"): project("read", search_scope),
    ("GET", V1 + "/runs"): project("read", search_scope),
    # runs
    ("POST", V1 + "/runs"): project("write", new_run),
    ("POST", V1 + "/runs/bulk"): project("write", new_runs, empty_ok=True),  # none: none made
    ("POST", V1 + "/runs/ensure"): project("write", ensured_run, creates=True),
    ("POST", V1 + "/writes"): project("write", written_runs, creates=True),
    ("GET", V1 + "/runs/{run_id}"): READ,
    ("PATCH", V1 + "/runs/{run_id}"): WRITE,
    ("DELETE", V1 + "/runs/{run_id}"): WRITE,
    ("POST", V1 + "/runs/{run_id}/restore"): WRITE,
    ("POST", V1 + "/runs/{run_id}/params"): WRITE,
    ("POST", V1 + "/runs/{run_id}/tags"): WRITE,
    ("DELETE", V1 + "/runs/{run_id}/tags/{key:path}"): WRITE,
    ("POST", V1 + "/runs/{run_id}/metrics"): WRITE,
    ("GET", V1 + "/runs/{run_id}/metrics/{key:path}"): READ,
    # artifacts
    ("PUT", V1 + "/runs/{run_id}/artifacts/{path:path}"): WRITE,
    ("POST", V1 + "/runs/{run_id}/artifacts/{path:path}"): WRITE,
    ("POST", V1 + "/runs/{run_id}/artifact-content/{path:path}"): WRITE,
    ("GET", V1 + "/runs/{run_id}/artifacts"): READ,
    ("GET", V1 + "/runs/{run_id}/artifacts/{path:path}"): READ,
    ("GET", V1 + "/runs/{run_id}/artifact-info/{path:path}"): READ,
    ("GET", V1 + "/runs/{run_id}/preview/{path:path}"): READ,
    ("GET", V1 + "/runs/{run_id}/archive/{path:path}"): READ,
    ("GET", V1 + "/artifacts/diff"): project("read", diff_runs),
    # users and tokens: server admins; a user sees itself and manages its own tokens
    ("POST", V1 + "/users"): SERVER_ADMIN,
    ("GET", V1 + "/users"): SERVER_ADMIN,
    ("GET", V1 + "/users/{name}"): SELF,
    ("POST", V1 + "/users/{name}/disable"): SERVER_ADMIN,
    ("POST", V1 + "/users/{name}/enable"): SERVER_ADMIN,
    ("POST", V1 + "/users/{name}/tokens"): SELF,
    ("GET", V1 + "/users/{name}/tokens"): SELF,
    ("DELETE", V1 + "/tokens/{token_id}"): TOKEN_OWNER,
    ("GET", V1 + "/whoami"): USER,
    # sweeps: the sweep's project (its routes check it again through api.access); trials by run
    ("POST", V1 + "/sweeps"): project("write", new_run),
    # none named: the sweeps of the projects the caller may read (selected in SQL)
    ("GET", V1 + "/sweeps"): project("read", search_scope, empty_ok=True),
    ("GET", V1 + "/sweeps/{sweep_id}"): project("read", sweep_in_path),
    ("GET", V1 + "/sweeps/{sweep_id}/best"): project("read", sweep_in_path),
    ("POST", V1 + "/sweeps/{sweep_id}/claim"): project("write", sweep_in_path),
    ("POST", V1 + "/sweeps/{sweep_id}/requeue"): project("write", sweep_in_path),
    ("PUT", V1 + "/sweeps/{sweep_id}/status"): project("write", sweep_in_path),
    ("GET", V1 + "/sweeps/{sweep_id}/trials"): project("read", sweep_in_path),
    ("POST", V1 + "/trials/{run_id}/heartbeat"): WRITE,
    ("POST", V1 + "/trials/{run_id}/launched"): WRITE,
    ("POST", V1 + "/trials/{run_id}/stop"): WRITE,
}

# The MLflow routes name experiments and runs in their query strings and bodies (the finders
# above); their handlers ask api.access again. Searches and listings that name no experiment
# are USER: the handlers keep to the readable projects (get-by-name too: a name is not unique
# across projects, and the handler looks only in the readable ones).
MLFLOW_PREFIXES = ("/api/2.0", "/ajax-api/2.0")
MLFLOW_READ_RUN = project("read", mlflow_run)
MLFLOW_WRITE_RUN = project("write", mlflow_run)
MLFLOW_WRITE_EXPERIMENT = project("write", mlflow_experiment)
MLFLOW_ROUTES: dict[tuple[str, str], Rule] = {
    ("GET", "/mlflow/artifacts/list"): MLFLOW_READ_RUN,
    ("POST", "/mlflow/experiments/create"): project("write", mlflow_new_experiment, creates=True),
    ("POST", "/mlflow/experiments/delete"): MLFLOW_WRITE_EXPERIMENT,
    ("POST", "/mlflow/experiments/delete-experiment-tag"): MLFLOW_WRITE_EXPERIMENT,
    ("GET", "/mlflow/experiments/get"): project("read", mlflow_experiment),
    ("GET", "/mlflow/experiments/get-by-name"): USER,
    ("POST", "/mlflow/experiments/restore"): MLFLOW_WRITE_EXPERIMENT,
    ("GET", "/mlflow/experiments/search"): USER,
    ("POST", "/mlflow/experiments/search"): USER,
    ("POST", "/mlflow/experiments/set-experiment-tag"): MLFLOW_WRITE_EXPERIMENT,
    ("POST", "/mlflow/experiments/update"): MLFLOW_WRITE_EXPERIMENT,
    ("POST", "/mlflow/logged-models/search"): USER,  # always an empty page
    ("GET", "/mlflow/metrics/get-history"): MLFLOW_READ_RUN,
    ("GET", "/mlflow/metrics/get-history-bulk-interval"): project("read", mlflow_runs_in_query),
    ("POST", "/mlflow/runs/create"): project("write", mlflow_new_run, creates=True),
    ("POST", "/mlflow/runs/delete"): MLFLOW_WRITE_RUN,
    ("POST", "/mlflow/runs/delete-tag"): MLFLOW_WRITE_RUN,
    ("GET", "/mlflow/runs/get"): MLFLOW_READ_RUN,
    ("POST", "/mlflow/runs/log-batch"): MLFLOW_WRITE_RUN,
    ("POST", "/mlflow/runs/log-inputs"): MLFLOW_WRITE_RUN,
    ("POST", "/mlflow/runs/log-metric"): MLFLOW_WRITE_RUN,
    ("POST", "/mlflow/runs/log-parameter"): MLFLOW_WRITE_RUN,
    ("POST", "/mlflow/runs/restore"): MLFLOW_WRITE_RUN,
    ("POST", "/mlflow/runs/search"): project("read", mlflow_search, empty_ok=True),
    ("POST", "/mlflow/runs/set-tag"): MLFLOW_WRITE_RUN,
    ("POST", "/mlflow/runs/update"): MLFLOW_WRITE_RUN,
    ("GET", "/mlflow-artifacts/artifacts"): project("read", mlflow_artifact_path, empty_ok=True),
    ("DELETE", "/mlflow-artifacts/artifacts/{path:path}"): UNSUPPORTED,  # 501 for everyone
    ("GET", "/mlflow-artifacts/artifacts/{path:path}"): project("read", mlflow_artifact_path),
    ("PUT", "/mlflow-artifacts/artifacts/{path:path}"): project("write", mlflow_artifact_path),
    # anything else under the MLflow prefixes: ENDPOINT_NOT_FOUND, for authenticated callers
    **{(m, "/mlflow/{rest:path}"): UNSUPPORTED for m in ("GET", "POST", "PUT", "PATCH", "DELETE")},
    **{
        (m, "/mlflow-artifacts/{rest:path}"): UNSUPPORTED
        for m in ("GET", "POST", "PUT", "PATCH", "DELETE")
    },
}
RULES.update(
    {
        (method, prefix + path): rule
        for prefix in MLFLOW_PREFIXES
        for (method, path), rule in MLFLOW_ROUTES.items()
    }
)
