"""run heart-beats

``runs.heartbeat_at``: when the run's process was last heard from (a write or a heart-beat), set
for runs whose process sends heart-beats (the SDK's); a running run silent for longer than
``RUNWAY_RUN_HEARTBEAT_TIMEOUT`` becomes ``crashed``. Indexed with the status so that sweep is a
cheap UPDATE of the running runs only.

Revision ID: 0009_run_heartbeats
Revises: 0008_project_default_role
Create Date: 2026-12-07 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_run_heartbeats"
down_revision = "0008_project_default_role"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("heartbeat_at", sa.BigInteger(), nullable=True))
    op.create_index("ix_runs_status_heartbeat", "runs", ["status", "heartbeat_at"])


def downgrade() -> None:
    op.drop_index("ix_runs_status_heartbeat", table_name="runs")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("heartbeat_at")
