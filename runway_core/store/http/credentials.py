"""Credentials in ``HttpStore``: secrets are sent once; what comes back is a masked hint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runway_core.schemas import CredentialCreate, CredentialPublic
from runway_core.store.http.base import HttpBase, dump, encode, segment


def _url(project_id: str, credential_id: str | None = None) -> str:
    base = f"/projects/{segment(project_id)}/credentials"
    return base if credential_id is None else f"{base}/{segment(credential_id)}"


class CredentialsMixin(HttpBase):
    def create_credential(self, project_id: str, credential: CredentialCreate) -> CredentialPublic:
        body = self._request("POST", _url(project_id), content=dump(credential))
        return CredentialPublic.model_validate(body)

    def list_credentials(self, project_id: str) -> list[CredentialPublic]:
        body = self._request("GET", _url(project_id))
        return [CredentialPublic.model_validate(c) for c in body["data"]]

    def get_credential(self, project_id: str, credential_id: str) -> CredentialPublic:
        body = self._request("GET", _url(project_id, credential_id))
        return CredentialPublic.model_validate(body)

    def update_credential_secrets(
        self, project_id: str, credential_id: str, secrets: Mapping[str, Any]
    ) -> CredentialPublic:
        body = self._request(
            "PUT", _url(project_id, credential_id), content=encode({"secrets": dict(secrets)})
        )
        return CredentialPublic.model_validate(body)

    def delete_credential(self, project_id: str, credential_id: str) -> None:
        self._request("DELETE", _url(project_id, credential_id))
