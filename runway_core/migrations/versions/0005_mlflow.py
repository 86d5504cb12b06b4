"""experiment tags and soft delete (MLflow compatibility)

Experiments get free-form tags (MLflow's experiment tags) and ``deleted_at`` for MLflow's
delete/restore, which keeps the experiment and its runs. Existing experiments get no tags and
stay live.

Revision ID: 0005_mlflow
Revises: 0004_sweeps
Create Date: 2026-11-30 15:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_mlflow"
down_revision = "0004_sweeps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("experiments") as batch:
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("deleted_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("experiments") as batch:
        batch.drop_column("deleted_at")
        batch.drop_column("tags")
