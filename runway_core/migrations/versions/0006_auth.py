"""users, API tokens and project roles

Identity for a team server: users (admin, disabled), their tokens (only a sha256 is stored,
with a public id for listing and revoking) and each user's role in a project.

Revision ID: 0006_auth
Revises: 0005_mlflow
Create Date: 2026-11-30 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006_auth"
down_revision = "0005_mlflow"
branch_labels = None
depends_on = None

_str = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", _str(length=32), nullable=False),
        sa.Column("name", _str(length=250), nullable=False),
        sa.Column("admin", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_name"), ["name"], unique=True)
    op.create_table(
        "api_tokens",
        sa.Column("id", _str(length=32), nullable=False),
        sa.Column("user_id", _str(length=32), nullable=False),
        sa.Column("sha256", _str(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=True),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.Column("last_used_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)
    op.create_table(
        "project_members",
        sa.Column("project_id", _str(length=32), nullable=False),
        sa.Column("user_id", _str(length=32), nullable=False),
        sa.Column("role", _str(length=8), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("project_id", "user_id"),
    )
    with op.batch_alter_table("project_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_members_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("project_members")
    op.drop_table("api_tokens")
    op.drop_table("users")
