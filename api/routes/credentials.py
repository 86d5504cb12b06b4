"""Credentials of a project: create, list, rotate, delete. Secrets go in and never come out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from runway_core.errors import NotFound
from runway_core.schemas import CredentialCreate, CredentialPublic

from ..deps import StoreDep

router = APIRouter(tags=["credentials"])
BASE = "/projects/{project_id}/credentials"


class CredentialsPublic(BaseModel):
    data: list[CredentialPublic]
    count: int


class CredentialSecrets(BaseModel):
    secrets: dict[str, Any] = Field(repr=False)


def _owned(store: Any, project_id: str, credential_id: str) -> CredentialPublic:
    for cred in store.list_credentials(project_id):
        if cred.id == credential_id:
            return cred  # type: ignore[no-any-return]
    raise NotFound(
        f"credential {credential_id!r} not found in project {project_id}", field="credential_id"
    )


@router.post(BASE, status_code=status.HTTP_201_CREATED, response_model=CredentialPublic)
def create_credential(project_id: str, body: CredentialCreate, store: StoreDep) -> CredentialPublic:
    """kinds: s3 {access_key_id, secret_access_key, endpoint_url?, region?}, github {token},
    generic {any: string}. The answer carries a masked hint only."""
    return store.create_credential(project_id, body)


@router.get(BASE, response_model=CredentialsPublic)
def list_credentials(project_id: str, store: StoreDep) -> CredentialsPublic:
    data = store.list_credentials(project_id)
    return CredentialsPublic(data=data, count=len(data))


@router.get(BASE + "/{credential_id}", response_model=CredentialPublic)
def get_credential(project_id: str, credential_id: str, store: StoreDep) -> CredentialPublic:
    return _owned(store, project_id, credential_id)


@router.put("/credentials/{credential_id}", response_model=CredentialPublic)
def rotate_credential(
    credential_id: str, body: CredentialSecrets, store: StoreDep
) -> CredentialPublic:
    """Replace the secrets (same name and kind)."""
    return store.update_credential_secrets(credential_id, body.secrets)  # type: ignore[attr-defined, no-any-return]


@router.delete(BASE + "/{credential_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_credential(project_id: str, credential_id: str, store: StoreDep) -> None:
    _owned(store, project_id, credential_id)
    store.delete_credential(credential_id)


@router.delete("/credentials/{credential_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_credential_by_id(credential_id: str, store: StoreDep) -> None:
    """Delete by id alone, for clients holding only the id (``Store.delete_credential``)."""
    store.delete_credential(credential_id)
