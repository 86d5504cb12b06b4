"""a project's default role for every authenticated user

``default_role`` (``read`` or ``write``; NULL: none) is the role a user without a membership
holds in the project. The server sets it on the shared MLflow project
(``RUNWAY_MLFLOW_DEFAULT_ROLE``); other projects keep NULL: members only, as before.

Revision ID: 0008_project_default_role
Revises: 0007_trial_attempts
Create Date: 2026-12-07 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_project_default_role"
down_revision = "0007_trial_attempts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(
            sa.Column("default_role", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("default_role")
