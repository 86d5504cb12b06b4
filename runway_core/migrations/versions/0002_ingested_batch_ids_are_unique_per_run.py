"""ingested batch ids are unique per run

The same batch id sent to two runs is two batches; keyed by batch id alone, the second run's
points were acknowledged as a repeat and dropped.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 02:15:48.743651
"""

from __future__ import annotations

import warnings

from alembic import op
from sqlalchemy.exc import SAWarning

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLE = "ingested_batches"
PG_PKEY = "ingested_batches_pkey"  # PostgreSQL's name for the unnamed key of 0001


def _set_primary_key(columns: list[str], *, named: bool) -> None:
    """Replace the table's primary key; ``named``: the current key is ``PG_PKEY`` on SQLite too."""
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot alter a primary key: batch mode copies the table under the new one.
        # SQLAlchemy warns that the copy's key differs from the reflected one, which is the point.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            with op.batch_alter_table(TABLE, recreate="always") as batch_op:
                if named:
                    batch_op.drop_constraint(PG_PKEY, type_="primary")
                batch_op.create_primary_key(PG_PKEY, columns)
    else:
        op.drop_constraint(PG_PKEY, TABLE, type_="primary")
        op.create_primary_key(PG_PKEY, TABLE, columns)


def upgrade() -> None:
    _set_primary_key(["run_id", "batch_id"], named=False)


def downgrade() -> None:
    # One row per batch id again: a repeat of an id on a second run is then no longer detected.
    op.execute(
        f"DELETE FROM {TABLE} WHERE EXISTS (SELECT 1 FROM {TABLE} AS other"
        f" WHERE other.batch_id = {TABLE}.batch_id AND other.run_id < {TABLE}.run_id)"
    )
    _set_primary_key(["batch_id"], named=True)
