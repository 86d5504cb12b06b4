"""a sweep trial's earlier attempts

A trial re-queued after its worker went silent is retried on a new run; ``previous_runs`` keeps
the ids of the dead attempts' runs (oldest first), which stay as ``killed`` runs of the sweep.

Revision ID: 0007_trial_attempts
Revises: 0006_auth
Create Date: 2026-12-07 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_trial_attempts"
down_revision = "0006_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sweep_trials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_runs", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sweep_trials", schema=None) as batch_op:
        batch_op.drop_column("previous_runs")
