"""The wire shapes (``runway_core.schemas``, plain pydantic) and the tables (``runway_core.models``)
are declared apart; this keeps their fields in step."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from sqlmodel import SQLModel

from runway_core import models, schemas

# (table, public shape, fields only the table has, fields only the shape has)
PAIRS = [
    # Access, like memberships: the server's to apply, not part of the project's public shape.
    (models.Project, schemas.ProjectPublic, {"default_role"}, set()),
    (models.Experiment, schemas.ExperimentPublic, set(), set()),
    # When the run's process was last heard from: the server's liveness check, not the run's.
    (models.Run, schemas.RunPublic, {"heartbeat_at"}, {"params", "tags", "metrics"}),
    (models.ArtifactRecord, schemas.ArtifactPublic, set(), set()),
    (models.Credential, schemas.CredentialPublic, {"blob"}, set()),
    (models.Sweep, schemas.SweepPublic, set(), {"state", "max_trials", "counts", "best"}),
    (models.SweepTrial, schemas.TrialPublic, set(), {"name", "status", "params", "value"}),
    (models.MetricGoal, schemas.MetricGoalPublic, set(), {"source"}),
]


@pytest.mark.parametrize(("table", "shape", "table_only", "shape_only"), PAIRS)
def test_public_shape_matches_its_table(
    table: type[SQLModel], shape: type[BaseModel], table_only: set[str], shape_only: set[str]
) -> None:
    columns = set(table.__table__.columns.keys())  # type: ignore[attr-defined]
    fields = set(shape.model_fields)
    assert columns - fields == table_only
    assert fields - columns == shape_only
    for name in columns & fields:
        column_nullable = table.__table__.columns[name].nullable  # type: ignore[attr-defined]
        shape_optional = not shape.model_fields[name].is_required()
        if not column_nullable:
            continue
        assert shape_optional, f"{shape.__name__}.{name}: the column is nullable"


def test_shapes_are_built_from_rows() -> None:
    row = models.Project(name="p", primary_metric="acc")
    public = schemas.ProjectPublic.model_validate(row)
    assert (public.name, public.primary_metric, public.id) == ("p", "acc", row.id)
