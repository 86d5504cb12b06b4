"""API tokens: ``rwt_<id>_<secret>``. The id is public (listed, used to revoke); the secret is
256 random bits. Only the token's sha256 is stored, and compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

PREFIX = "rwt_"
_TOKEN_RE = re.compile(r"^rwt_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$")
TOKEN_ID_RE = re.compile(r"^[0-9a-f]{16}$")
# Anything shaped like a token, whole, cut short or mangled, also percent-encoded as a URL may
# carry it (``%72wt%5F…``: a log showing the path as sent): never logged, never echoed.
TOKEN_SHAPE = re.compile(
    r"(?:r|%72)(?:w|%77)(?:t|%74)(?:_|%5f)(?:[a-z0-9_-]|%[0-9a-f]{2})+", re.IGNORECASE
)
REDACTED = "rwt_[redacted]"


def new_token() -> tuple[str, str]:
    """A fresh ``(token_id, token)``."""
    token_id = secrets.token_hex(8)
    return token_id, f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def token_id_of(token: str) -> str | None:
    """The public id inside a well-formed token, else ``None``."""
    match = _TOKEN_RE.match(token)
    return match.group(1) if match else None


def matches(token: str, stored_sha256: str) -> bool:
    """Whether ``token`` hashes to ``stored_sha256``, in time independent of where they differ."""
    return hmac.compare_digest(hash_token(token), stored_sha256)


def redact_tokens(text: str) -> str:
    """``text`` with everything shaped like a token (``rwt_`` and what follows) replaced by
    ``rwt_[redacted]``."""
    return TOKEN_SHAPE.sub(REDACTED, text)
