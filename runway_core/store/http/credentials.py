"""Credentials in ``HttpStore``: secrets are sent once; what comes back is a masked hint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runway_core.schemas import CredentialCreate, CredentialPublic
from runway_core.store.http.base import HttpBase, dump, encode, segment


class CredentialsMixin(HttpBase):
    def create_credential(self, project_id: str, credential: CredentialCreate) -> CredentialPublic:
        body = self._request(
            "POST", f"/projects/{segment(project_id)}/credentials", content=dump(credential)
        )
        return CredentialPublic.model_validate(body)

    def list_credentials(self, project_id: str) -> list[CredentialPublic]:
        body = self._request("GET", f"/projects/{segment(project_id)}/credentials")
        return [CredentialPublic.model_validate(c) for c in body["data"]]

    def update_credential_secrets(
        self, credential_id: str, secrets: Mapping[str, Any]
    ) -> CredentialPublic:
        body = self._request(
            "PUT",
            f"/credentials/{segment(credential_id)}",
            content=encode({"secrets": dict(secrets)}),
        )
        return CredentialPublic.model_validate(body)

    def delete_credential(self, credential_id: str) -> None:
        self._request("DELETE", f"/credentials/{segment(credential_id)}")
