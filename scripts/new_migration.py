"""Autogenerate an Alembic revision from the models: new_migration.py "message" [rev]."""

import sys
import tempfile
from pathlib import Path

from alembic import command

from runway_core.store.sql.engine import alembic_config, make_engine, migrate

message = sys.argv[1]
rev_id = sys.argv[2] if len(sys.argv) > 2 else None
with tempfile.TemporaryDirectory() as tmp:
    engine = make_engine(f"sqlite:///{Path(tmp) / 'gen.db'}")
    migrate(engine)  # the database at the current head; the revision holds only the difference
    command.revision(alembic_config(engine), message=message, autogenerate=True, rev_id=rev_id)
