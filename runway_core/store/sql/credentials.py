"""Credentials in the SQL store: encrypted on write, only a masked hint on read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from runway_core.credentials import Cipher, make_hint, validate_name, validate_secrets
from runway_core.errors import InvalidInput, NotFound
from runway_core.models import Credential, Project
from runway_core.models._common import now_ms
from runway_core.schemas import CredentialCreate, CredentialPublic
from runway_core.store.sql.base import SqlBase


class CredentialsMixin(SqlBase):
    _secret_key: str | None = None
    _cipher_instance: Cipher | None = None

    def _cipher(self) -> Cipher:
        # Created on first use: a store that never touches credentials needs no key.
        if self._cipher_instance is None:
            self._cipher_instance = Cipher(
                self._secret_key, may_create_key_file=self._holds_no_credentials
            )
        return self._cipher_instance

    def _holds_no_credentials(self) -> bool:
        """Whether a new embedded key file is harmless: no stored credential needs the old one."""
        with self._read() as session:
            return session.exec(select(Credential.id).limit(1)).first() is None

    def create_credential(self, project_id: str, credential: CredentialCreate) -> CredentialPublic:
        name = validate_name(credential.name)
        secrets = validate_secrets(credential.kind, credential.secrets)
        blob = self._cipher().encrypt(secrets)
        hint = make_hint(credential.kind, secrets)
        conflict = f"credential {name!r} already exists in project {project_id}"
        with self._write(conflict) as session:
            if session.get(Project, project_id) is None:
                raise NotFound(f"project {project_id!r} not found", field="project_id")
            row = Credential(
                project_id=project_id, name=name, kind=credential.kind, blob=blob, hint=hint
            )
            session.add(row)
            session.flush()
            return CredentialPublic.model_validate(row)

    def list_credentials(self, project_id: str) -> list[CredentialPublic]:
        with self._read() as session:
            if session.get(Project, project_id) is None:
                raise NotFound(f"project {project_id!r} not found", field="project_id")
            rows = session.exec(
                select(Credential)
                .where(Credential.project_id == project_id)
                .order_by(col(Credential.name))
            ).all()
            return [CredentialPublic.model_validate(r) for r in rows]

    def get_credential(self, project_id: str, credential_id: str) -> CredentialPublic:
        with self._read() as session:
            row = self._credential_row(session, project_id, credential_id)
            return CredentialPublic.model_validate(row)

    def update_credential_secrets(
        self, project_id: str, credential_id: str, secrets: Mapping[str, Any]
    ) -> CredentialPublic:
        """Replace a credential's secrets (key rotation); its name and kind stay."""
        with self._read() as session:
            kind = self._credential_row(session, project_id, credential_id).kind
        clean = validate_secrets(kind, secrets)  # kind never changes: checked outside the write
        blob = self._cipher().encrypt(clean)
        with self._write() as session:
            row = self._credential_row(session, project_id, credential_id)
            row.blob = blob
            row.hint = make_hint(row.kind, clean)
            row.updated_at = now_ms()
            session.add(row)
            session.flush()
            return CredentialPublic.model_validate(row)

    def delete_credential(self, project_id: str, credential_id: str) -> None:
        with self._write() as session:
            session.delete(self._credential_row(session, project_id, credential_id))

    @staticmethod
    def _credential_row(session: Session, project_id: str, credential_id: str) -> Credential:
        """The credential, which must belong to ``project_id`` (else it is not found there)."""
        row = session.get(Credential, credential_id)
        if row is None or row.project_id != project_id:
            if session.get(Project, project_id) is None:
                raise NotFound(f"project {project_id!r} not found", field="project_id")
            raise NotFound(
                f"credential {credential_id!r} not found in project {project_id}",
                field="credential_id",
            )
        return row

    def _credential_secrets(
        self, session: Session, project_id: str, name: str, kind: str
    ) -> tuple[Credential, dict[str, str]] | None:
        """Server-side use only: the decrypted secrets of a project's credential, if any."""
        row = session.exec(
            select(Credential).where(Credential.project_id == project_id, Credential.name == name)
        ).first()
        if row is None:
            return None
        if row.kind != kind:
            raise InvalidInput(
                f"credential {name!r} is of kind {row.kind!r}; {kind!r} is needed",
                field="credential",
            )
        return row, self._cipher().decrypt(row.blob)
