"""Projects: create, list, find by name, read, update, delete."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, status

from runway_core.errors import AlreadyExists, NotFound
from runway_core.schemas import ProjectCreate, ProjectPublic, ProjectUpdate
from runway_core.schemas.project import checked_project

from ..access import access_service, grant_creator, readable_project_ids, require_project
from ..deps import StoreDep
from ..schemas import ProjectsPublic

router = APIRouter(prefix="/projects", tags=["projects"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProjectPublic)
def create_project(
    body: ProjectCreate,
    request: Request,
    store: StoreDep,
    exist_ok: bool = Query(False, description="return the existing project of that name"),
) -> ProjectPublic:
    """With authentication on, the creator becomes the project's admin; ``exist_ok`` returns
    an existing project only to a caller who may read it (names are unique server-wide). The
    body is checked first, whether or not the project exists."""
    body = checked_project(body)
    if access_service(request) is None:
        return store.create_project(body, exist_ok=exist_ok)
    try:
        existing = store.get_project_by_name(body.name)
    except NotFound:
        created = store.create_project(body)
        grant_creator(request, created.id)
        return created
    if exist_ok:
        try:
            require_project(request, existing.id, "read")
            return existing
        except NotFound:
            pass
    raise AlreadyExists(f"project {body.name!r} already exists")


@router.get("", response_model=ProjectsPublic)
def list_projects(
    request: Request,
    store: StoreDep,
    search: str | None = Query(None, description="substring of the name"),
) -> ProjectsPublic:
    """The projects the caller may read."""
    projects = store.list_projects(search=search)
    readable = readable_project_ids(request)
    if readable is not None:
        projects = [p for p in projects if p.id in readable]
    return ProjectsPublic(data=projects, count=len(projects))


@router.get("/by-name/{name:path}", response_model=ProjectPublic)
def get_project_by_name(name: str, store: StoreDep) -> ProjectPublic:
    return store.get_project_by_name(name)


@router.get("/{project_id}", response_model=ProjectPublic)
def get_project(project_id: str, store: StoreDep) -> ProjectPublic:
    return store.get_project(project_id)


@router.patch("/{project_id}", response_model=ProjectPublic)
def update_project(project_id: str, body: ProjectUpdate, store: StoreDep) -> ProjectPublic:
    return store.update_project(project_id, body)


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_project(project_id: str, store: StoreDep) -> None:
    store.delete_project(project_id)
