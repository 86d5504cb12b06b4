"""Credentials: per-kind validation, Fernet encryption at rest and masked hints.

The key comes from ``RUNWAY_SECRET_KEY`` (a Fernet key, or any passphrase of 16+ characters,
or several separated by commas to rotate: the first encrypts, all decrypt). Without one, the
embedded default generates a key once into ``~/.runway/secret.key`` (mode 0600; the path
can be changed with ``RUNWAY_SECRET_KEY_FILE``) — kept apart from
the database so a copied database file or backup does not carry the key that opens it. A server
in server mode (bound to a non-localhost host) refuses to start without ``RUNWAY_SECRET_KEY``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runway_core.config import settings
from runway_core.errors import InvalidInput
from runway_core.validation import check_name

KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required fields, optional fields); generic takes any key/values
    "s3": (("access_key_id", "secret_access_key"), ("endpoint_url", "region")),
    "github": (("token",), ()),
    "generic": ((), ()),
}
MAX_SECRET_LENGTH = 10_000


def default_key_file() -> Path:
    """``RUNWAY_SECRET_KEY_FILE``, else ``~/.runway/secret.key``."""
    return settings().secret_key_file.expanduser()


def validate_secrets(kind: str, secrets: Mapping[str, Any]) -> dict[str, str]:
    """Check the fields a kind needs; returns the secrets as a clean ``{str: str}``."""
    if kind not in KINDS:
        raise InvalidInput(
            f"unknown credential kind {kind!r}; use one of {', '.join(KINDS)}", field="kind"
        )
    if not isinstance(secrets, Mapping) or not secrets:
        raise InvalidInput("secrets must be a non-empty object", field="secrets")
    required, optional = KINDS[kind]
    clean: dict[str, str] = {}
    for key, value in secrets.items():
        field = f"secrets.{key}"
        if not isinstance(key, str) or not key.strip() or len(key) > 250:
            raise InvalidInput("secret names must be non-empty strings", field="secrets")
        if kind != "generic" and key not in required + optional:
            raise InvalidInput(
                f"{kind} credentials have no field {key!r}; expected "
                f"{', '.join(required + optional)}",
                field=field,
            )
        if value is None and key in optional:
            continue
        if not isinstance(value, str):
            raise InvalidInput(f"{field} must be a string", field=field)
        if len(value) > MAX_SECRET_LENGTH or "\x00" in value:
            raise InvalidInput(f"{field} is too long or contains NUL bytes", field=field)
        clean[key] = value
    for key in required:
        if not clean.get(key, "").strip():
            raise InvalidInput(f"{kind} credential needs {key!r}", field=f"secrets.{key}")
    return clean


def validate_name(name: str) -> str:
    return check_name(name, "name")


def mask(value: str) -> str:
    """``AKIAABCDEFGHXYZ1`` → ``AKIA…XYZ1``; short values show less, never the whole."""
    if len(value) >= 16:
        return f"{value[:4]}…{value[-4:]}"
    if len(value) >= 8:
        return f"…{value[-2:]}"
    return "…"


def make_hint(kind: str, secrets: Mapping[str, str]) -> str:
    if kind == "s3":
        hint = mask(secrets["access_key_id"])
        where = [secrets[k] for k in ("endpoint_url", "region") if secrets.get(k)]
        return f"{hint} ({', '.join(where)})" if where else hint
    if kind == "github":
        return mask(secrets["token"])
    return "keys: " + ", ".join(sorted(secrets))[:240]


# --- encryption --------------------------------------------------------------------------------


def _fernet_key(text: str) -> bytes:
    """A Fernet key as given, or one derived from a passphrase."""
    raw = text.strip().encode()
    with contextlib.suppress(ValueError):
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    if len(raw) < 16:
        raise InvalidInput(
            "RUNWAY_SECRET_KEY must be a Fernet key or a passphrase of at least 16 characters",
            field="secret_key",
        )
    return base64.urlsafe_b64encode(hashlib.sha256(b"runway-credentials:" + raw).digest())


def generate_key() -> str:
    try:
        from cryptography.fernet import Fernet
    except ImportError as exc:
        raise InvalidInput(
            "credentials need cryptography: pip install 'runway-tracker[crypto]'"
        ) from exc

    return Fernet.generate_key().decode()


def load_or_create_key_file(path: Path | None = None) -> str:
    """Read the embedded default's key, creating it (0600) on first use; safe under races."""
    path = path or default_key_file()
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(generate_key() + "\n")
        # link() fails if another process created the file first; then use theirs.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return path.read_text().strip()


def require_server_key(secret_key: str | None, server_mode: bool) -> None:
    """The server's start check: a team server must have an explicit key."""
    if server_mode and not (secret_key or "").strip():
        raise InvalidInput(
            "RUNWAY_SECRET_KEY is required when serving beyond localhost; create one with: "
            "python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'",
            field="secret_key",
        )
    if secret_key:
        Cipher(secret_key)  # a malformed key fails at start, not at the first credential


class Cipher:
    """Fernet (MultiFernet when several keys are given, for rotation) over JSON secrets."""

    def __init__(self, secret_key: str | None = None, *, key_file: Path | None = None):
        try:
            from cryptography.fernet import Fernet, MultiFernet
        except ImportError as exc:  # the embedded SDK may lack it; the server extra has it
            raise InvalidInput(
                "credentials need cryptography: pip install 'runway-tracker[crypto]'"
            ) from exc
        configured = settings().secret_key
        text = secret_key or (configured.get_secret_value() if configured else "")
        if not text.strip():
            text = load_or_create_key_file(key_file)
        keys = [Fernet(_fernet_key(part)) for part in text.split(",") if part.strip()]
        self._fernet = MultiFernet(keys)

    def encrypt(self, secrets: Mapping[str, str]) -> bytes:
        return self._fernet.encrypt(json.dumps(dict(secrets)).encode())

    def decrypt(self, blob: bytes) -> dict[str, str]:
        from cryptography.fernet import InvalidToken

        try:
            return dict(json.loads(self._fernet.decrypt(bytes(blob))))
        except InvalidToken:
            raise InvalidInput(
                "a stored credential cannot be decrypted: RUNWAY_SECRET_KEY differs from the key "
                "it was stored with",
                field="secret_key",
            ) from None
