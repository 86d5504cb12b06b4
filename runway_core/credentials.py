"""Credentials: per-kind validation, Fernet encryption at rest and masked hints.

The key comes from ``RUNWAY_SECRET_KEY``: a Fernet key (``runway secret-key`` prints a new one),
or several separated by commas to rotate (the first encrypts, all decrypt). Passphrases are
refused: a key is 32 random bytes, not something derived from words. Without one, the embedded
default generates a key into ``~/.runway/secret.key`` (mode 0600; ``RUNWAY_SECRET_KEY_FILE``
moves it), kept apart from the database so a copied database file or backup does not carry the
key that opens it; the file is only created while the database holds no credentials, so a lost
file is reported rather than silently replaced. A server in server mode refuses to start
without ``RUNWAY_SECRET_KEY``. A credential no configured key opens is ``ServerMisconfigured``
(500): the operator's to fix, not the client's. Error messages never repeat a secret or a key.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from runway_core.config import settings
from runway_core.errors import InvalidInput, RunwayError, ServerMisconfigured
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

KEY_HELP = (
    "create one with: runway secret-key (or: python -c 'from cryptography.fernet import Fernet; "
    "print(Fernet.generate_key().decode())')"
)


def _fernet_class() -> Any:
    try:
        from cryptography.fernet import Fernet
    except ImportError as exc:  # the embedded SDK may lack it; the server extra has it
        raise InvalidInput(
            "credentials need cryptography: pip install 'runway-tracker[crypto]'"
        ) from exc
    return Fernet


def _fernets(text: str, source: str, error: type[RunwayError]) -> list[Any]:
    """One ``Fernet`` per comma-separated key; anything else is refused (never repeated back)."""
    fernet = _fernet_class()
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise error(f"{source} holds no key; {KEY_HELP}", field="secret_key")
    keys = []
    for i, part in enumerate(parts, 1):
        try:
            keys.append(fernet(part.encode()))
        except (ValueError, TypeError):
            where = f"key {i} of {len(parts)} in {source}" if len(parts) > 1 else source
            raise error(
                f"{where} is not a Fernet key (32 random bytes, url-safe base64: 44 characters); "
                f"passphrases are not accepted; {KEY_HELP}",
                field="secret_key",
            ) from None
    return keys


def generate_key() -> str:
    """A new random Fernet key, as ``RUNWAY_SECRET_KEY`` takes it."""
    return str(_fernet_class().generate_key().decode())


def load_or_create_key_file(path: Path, *, may_create: Callable[[], bool] = lambda: True) -> str:
    """Read the embedded default's key, creating it (0600) on first use; safe under races.

    ``may_create`` is asked before a missing file is made: a database that already holds
    credentials needs the key they were stored with, and a new one would only hide its loss.
    """
    if path.exists():
        return path.read_text().strip()
    if not may_create():
        raise ServerMisconfigured(
            f"the key file {path} is missing, but the database holds credentials encrypted with "
            "the key it held, so no new key is made: restore the file, or set RUNWAY_SECRET_KEY "
            "to that key (or delete the credentials and enter them again)",
            field="secret_key",
        )
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
    """The server's start check: a team server must have an explicit key, and a key given must
    be a valid one (it fails at start, not at the first credential)."""
    if server_mode and not (secret_key or "").strip():
        raise InvalidInput(
            f"RUNWAY_SECRET_KEY is required when serving beyond localhost; {KEY_HELP}",
            field="secret_key",
        )
    if secret_key:
        _fernets(secret_key, "RUNWAY_SECRET_KEY", InvalidInput)


class Cipher:
    """Fernet (MultiFernet when several keys are given, for rotation) over JSON secrets.

    The key is ``secret_key``, else ``RUNWAY_SECRET_KEY``, else the embedded default's key file
    (created when missing only if ``may_create_key_file()`` says so).
    """

    def __init__(
        self,
        secret_key: str | None = None,
        *,
        may_create_key_file: Callable[[], bool] = lambda: True,
    ):
        configured = settings().secret_key
        text = secret_key or (configured.get_secret_value() if configured else "")
        if text.strip():
            self.source = "RUNWAY_SECRET_KEY"
            keys = _fernets(text, self.source, InvalidInput)
        else:
            path = default_key_file()
            self.source = f"the key file {path}"
            # A generated file that does not parse is the installation's fault, not the caller's.
            text = load_or_create_key_file(path, may_create=may_create_key_file)
            keys = _fernets(text, self.source, ServerMisconfigured)
        from cryptography.fernet import MultiFernet

        self._fernet = MultiFernet(keys)

    def encrypt(self, secrets: Mapping[str, str]) -> bytes:
        return bytes(self._fernet.encrypt(json.dumps(dict(secrets)).encode()))

    def decrypt(self, blob: bytes) -> dict[str, str]:
        """The secrets; ``ServerMisconfigured`` when no configured key opens them (the key was
        changed or lost: an operator's problem, never the client's request)."""
        from cryptography.fernet import InvalidToken

        try:
            return dict(json.loads(self._fernet.decrypt(bytes(blob))))
        except InvalidToken:
            raise ServerMisconfigured(
                f"a stored credential cannot be decrypted with {self.source}: the key changed "
                "since it was stored. Put that key back, or list it after the new one in "
                "RUNWAY_SECRET_KEY (comma-separated: the first encrypts, all decrypt)",
                field="secret_key",
            ) from None
