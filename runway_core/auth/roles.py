"""Project roles, each including the ones below it: read < write < admin."""

from __future__ import annotations

from runway_core.schemas.auth import ROLES, Role

__all__ = ["ROLES", "Role", "role_at_least"]


def role_at_least(held: str | None, needed: Role) -> bool:
    """Whether ``held`` (a stored role, or ``None`` for no membership) grants ``needed``."""
    if held not in ROLES:
        return False
    return ROLES.index(held) >= ROLES.index(needed)  # type: ignore[arg-type]
