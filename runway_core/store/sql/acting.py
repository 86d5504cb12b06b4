"""The user a server acts for, as the SQL store sees it (``acting_as``).

A server with authentication wraps the store calls of a request in ``acting_as(caller)``. Inside
it the store answers as that user may see and do, checked in the same transaction as the write:

- a project the store creates gets the caller as its admin (one transaction: of two users
  creating the same new project at once, one gets it; the other meets an existing project);
- creating a run in a project named by name (``ensure_run``, ``create_run`` writes) needs the
  write role there; an existing run got by id needs it in the run's project;
- a parent run must be in a project the caller may read;
- listings (``list_projects``, ``list_sweeps``) hold only the projects the caller may read.

A refusal is ``NotFound`` where the caller may not read the project (its existence is not
revealed) and ``Forbidden`` where it may read but not write. Outside ``acting_as`` (the embedded
store, a server without authentication) nothing is checked. Not part of the ``Store`` protocol:
an ``HttpStore`` talks to a server that does this itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlmodel import Session, col, select

from runway_core.auth.roles import Role, role_at_least
from runway_core.auth.service import held_role
from runway_core.errors import AlreadyExists, Forbidden, NotFound, RunwayError
from runway_core.models import Project, ProjectMember


@dataclass(frozen=True)
class Actor:
    user_id: str
    name: str
    admin: bool  # a server admin: admin of every project


_actor: ContextVar[Actor | None] = ContextVar("runway_sql_actor", default=None)


class Refused(Exception):
    """A refusal of the acting user: it ends the whole call, a batch of writes included (not a
    ``RunwayError``, so a batch does not answer it as one write's result)."""

    def __init__(self, error: RunwayError):
        super().__init__(error.message)
        self.error = error


@contextmanager
def acting_as(user_id: str, name: str, *, admin: bool = False) -> Iterator[None]:
    """SQL store calls inside act for this user (see the module docstring)."""
    token = _actor.set(Actor(user_id, name, admin))
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> Actor | None:
    return _actor.get()


def member_projects(actor: Actor) -> Select[Any]:
    """The ids of the projects ``actor`` may read (a subquery for ``IN``): those it holds a role
    in, and those that give every user a default role (the MLflow project on a team server)."""
    return (
        select(col(ProjectMember.project_id))
        .where(col(ProjectMember.user_id) == actor.user_id)
        .union(select(col(Project.id)).where(col(Project.default_role).is_not(None)))
    )


def role_of(session: Session, actor: Actor, project_id: str) -> str | None:
    """The actor's membership role in the project, else the project's default role."""
    return "admin" if actor.admin else held_role(session, actor.user_id, project_id)


def require_role(
    session: Session, project_id: str, role: Role, *, what: str, taken_name: str | None = None
) -> None:
    """Raise ``Refused`` unless the acting user (if any) holds ``role`` in the project. With
    ``taken_name`` (the project was named to be created unless it exists) a caller with no role
    is told the name is taken (409), as the authorization rule tells it when no race is run."""
    actor = _actor.get()
    if actor is None:
        return
    held = role_of(session, actor, project_id)
    if not role_at_least(held, "read") and taken_name is not None:
        raise Refused(AlreadyExists(taken_name_message(taken_name), field="project"))
    if not role_at_least(held, "read"):
        raise Refused(NotFound(f"{what} not found"))
    if not role_at_least(held, role):
        raise Refused(Forbidden(role_message(actor.name, held, role, what)))


def taken_name_message(name: str) -> str:
    return (
        f"project {name!r} exists and you have no role in it (project names are shared by "
        "everyone on this server); ask its admin for a role or pick another name"
    )


def role_message(user: str, held: str | None, needed: str, what: str) -> str:
    """Why a member may not do something: the role it holds and the one needed."""
    return (
        f"user {user!r} holds the {held} role in {what}; this needs the {needed} role "
        "(a project admin can grant it)"
    )


def grant_creator(session: Session, project_id: str) -> None:
    """A project was just created in ``session``: the acting user (if any) becomes its admin."""
    actor = _actor.get()
    if actor is not None:
        session.add(ProjectMember(project_id=project_id, user_id=actor.user_id, role="admin"))
        session.flush()


def may_read(session: Session, project_id: str) -> bool:
    actor = _actor.get()
    return actor is None or role_at_least(role_of(session, actor, project_id), "read")
