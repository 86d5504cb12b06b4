"""Project members: who holds which role (read, write, admin) in a project."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel

from runway_core.schemas.auth import MemberPublic, MemberSet

from ..deps import StoreDep

router = APIRouter(tags=["projects"])
BASE = "/projects/{project_id}/members"


class MembersPublic(BaseModel):
    data: list[MemberPublic]
    count: int


@router.get(BASE, response_model=MembersPublic)
def list_members(project_id: str, store: StoreDep) -> MembersPublic:
    members = store.list_project_members(project_id)
    return MembersPublic(data=members, count=len(members))


@router.put(BASE + "/{user}", response_model=MemberPublic)
def set_member(project_id: str, user: str, body: MemberSet, store: StoreDep) -> MemberPublic:
    """Give ``user`` a role in the project (replacing the one it held). Demoting the project's
    last admin is refused (409): someone must remain to manage members and credentials."""
    return store.set_project_member(project_id, user, body.role)


@router.delete(BASE + "/{user}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(project_id: str, user: str, store: StoreDep) -> None:
    """Removing the project's last admin is refused (409)."""
    store.remove_project_member(project_id, user)
