"""Projects: create, list, find by name, read, update, delete."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, status

from runway_core.errors import AlreadyExists
from runway_core.schemas import ProjectCreate, ProjectPublic, ProjectUpdate
from runway_core.schemas.project import checked_project

from ..access import access_service, as_caller, refuse_taken_name
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
    """With authentication on, the creator becomes the project's admin (in the same
    transaction: of two callers creating one name at once, one gets it); ``exist_ok`` returns
    an existing project only to a caller who may read it (names are unique server-wide). The
    body is checked first, whether or not the project exists."""
    body = checked_project(body)
    if access_service(request) is None:
        return store.create_project(body, exist_ok=exist_ok)
    try:
        with as_caller(request):
            return store.create_project(body)
    except AlreadyExists:
        existing = store.get_project_by_name(body.name)
    if exist_ok:
        refuse_taken_name(request, existing.id, body.name)
        return existing
    raise AlreadyExists(
        f"project {body.name!r} already exists (project names are shared by everyone on "
        "this server)"
    )


@router.get("", response_model=ProjectsPublic)
def list_projects(
    request: Request,
    store: StoreDep,
    search: str | None = Query(None, description="substring of the name"),
) -> ProjectsPublic:
    """The projects the caller may read (selected in the database)."""
    with as_caller(request):
        projects = store.list_projects(search=search)
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
