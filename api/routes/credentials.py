"""Credentials of a project: create, list, read, rotate, delete. Secrets go in and never come
out; every route names the project, so a credential of another project is not found."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from runway_core.schemas import CredentialCreate, CredentialPublic

from ..deps import StoreDep

router = APIRouter(tags=["credentials"])
BASE = "/projects/{project_id}/credentials"
ONE = BASE + "/{credential_id}"


class CredentialsPublic(BaseModel):
    data: list[CredentialPublic]
    count: int


class CredentialSecrets(BaseModel):
    model_config = ConfigDict(hide_input_in_errors=True)  # as CredentialCreate: no echo

    secrets: dict[str, Any] = Field(repr=False)


@router.post(BASE, status_code=status.HTTP_201_CREATED, response_model=CredentialPublic)
def create_credential(project_id: str, body: CredentialCreate, store: StoreDep) -> CredentialPublic:
    """kinds: s3 {access_key_id, secret_access_key, endpoint_url?, region?}, github {token},
    generic {any: string}. The answer carries a masked hint only."""
    return store.create_credential(project_id, body)


@router.get(BASE, response_model=CredentialsPublic)
def list_credentials(project_id: str, store: StoreDep) -> CredentialsPublic:
    data = store.list_credentials(project_id)
    return CredentialsPublic(data=data, count=len(data))


@router.get(ONE, response_model=CredentialPublic)
def get_credential(project_id: str, credential_id: str, store: StoreDep) -> CredentialPublic:
    return store.get_credential(project_id, credential_id)


@router.put(ONE, response_model=CredentialPublic)
def rotate_credential(
    project_id: str, credential_id: str, body: CredentialSecrets, store: StoreDep
) -> CredentialPublic:
    """Replace the secrets (same name and kind)."""
    return store.update_credential_secrets(project_id, credential_id, body.secrets)


@router.delete(ONE, status_code=status.HTTP_204_NO_CONTENT)
def delete_credential(project_id: str, credential_id: str, store: StoreDep) -> None:
    store.delete_credential(project_id, credential_id)
