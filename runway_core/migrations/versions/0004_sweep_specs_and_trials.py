"""sweep specs and trials

A sweep keeps its whole validated spec and seed; ``sweep_trials`` holds, per trial run, who
claimed it, its last heart-beat, and why it was asked to stop. Sweeps stored before get an empty
spec (the table was unused then).

Revision ID: 0004_sweeps
Revises: 0003
Create Date: 2026-11-30 15:35:20.902795
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004_sweeps"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sweep_trials",
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("sweep_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("worker", sqlmodel.sql.sqltypes.AutoString(length=250), nullable=True),
        sa.Column("claimed_at", sa.BigInteger(), nullable=True),
        sa.Column("heartbeat_at", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("stop_reason", sa.Text(), nullable=True),
        sa.Column("launched", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sweep_id"], ["sweeps.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id"),
        sa.UniqueConstraint("sweep_id", "number", name="uq_sweep_trials_number"),
    )
    with op.batch_alter_table("sweep_trials", schema=None) as batch_op:
        batch_op.create_index("ix_sweep_trials_sweep", ["sweep_id"], unique=False)

    with op.batch_alter_table("sweeps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("spec", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("seed", sa.BigInteger(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("updated_at", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("sweeps", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("seed")
        batch_op.drop_column("spec")

    with op.batch_alter_table("sweep_trials", schema=None) as batch_op:
        batch_op.drop_index("ix_sweep_trials_sweep")

    op.drop_table("sweep_trials")
