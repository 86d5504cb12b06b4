"""Identity and authorization for a team server, with no web imports: API tokens (made, hashed,
parsed), role ranking, and the server-side checks over the SQL store (``AccessService``).

Users, tokens and memberships are managed through the ``Store`` protocol (SQL and HTTP alike);
verifying a token and answering "may this user read that project?" need the database itself, so
they live in ``AccessService`` and only the server uses them.
"""

from runway_core.auth.roles import ROLES, Role, role_at_least
from runway_core.auth.tokens import hash_token, new_token, token_id_of

__all__ = ["ROLES", "Role", "hash_token", "new_token", "role_at_least", "token_id_of"]
