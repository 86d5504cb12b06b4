"""Projects on the wire: the task at hand, the top of the hierarchy."""

from __future__ import annotations

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from runway_core.errors import InvalidInput
from runway_core.metrics.goals import Goal, GoalSource
from runway_core.schemas._common import Schema
from runway_core.schemas._rules import KEY_OR_EMPTY, MAX_KEY_LENGTH, Name
from runway_core.validation import check_key, check_name, check_text


class ProjectBase(Schema):
    name: Name
    description: str = ""
    primary_metric: str | None = Field(
        default=None, max_length=MAX_KEY_LENGTH, json_schema_extra={"pattern": KEY_OR_EMPTY}
    )


class ProjectCreate(ProjectBase):
    # None: the rule by name decides when the project is stored (val_loss → min, f1 → max).
    primary_metric_goal: Goal | None = None


def checked_project(project: ProjectCreate) -> ProjectCreate:
    """``project`` as a store keeps it (its name stripped), or ``InvalidInput`` naming the field.
    The server checks a body with it before anything else, also before finding an existing
    project of that name (``exist_ok``)."""
    name = check_name(project.name, "name")
    check_text(project.description, "description")
    if project.primary_metric_goal not in (None, "max", "min"):
        raise InvalidInput(
            "primary_metric_goal must be 'max' or 'min'", field="primary_metric_goal"
        )
    if project.primary_metric:
        check_key(project.primary_metric, "primary_metric")
    return project.model_copy(update={"name": name})


class ProjectUpdate(Schema):
    """Fields to change; ``name``, ``description`` and the goal may be left out, never null."""

    name: Name | SkipJsonSchema[None] = None
    description: str | SkipJsonSchema[None] = None
    primary_metric: str | None = Field(
        default=None, max_length=MAX_KEY_LENGTH, json_schema_extra={"pattern": KEY_OR_EMPTY}
    )
    primary_metric_goal: Goal | SkipJsonSchema[None] = None


class ProjectPublic(ProjectBase):
    primary_metric_goal: str = Field(default="max", max_length=8)  # always stored: max | min
    id: str
    created_at: int
    updated_at: int


class ProjectSummary(ProjectPublic):
    """A project with the counts and best value the projects page shows."""

    experiment_count: int = 0
    run_count: int = 0
    last_activity: int | None = None
    best_value: float | None = None
    best_goal: Goal | None = None  # the goal best_value follows (see metrics.goals)


class MetricGoalSet(Schema):
    """Body of ``PUT /projects/{id}/metric-goals/{key}``."""

    goal: Goal


class MetricGoalPublic(Schema):
    """A metric's goal in a project: a stored setting, or the default that applies without one."""

    project_id: str
    key: str
    goal: Goal
    source: GoalSource = "setting"  # setting | primary_metric | name
    updated_at: int | None = None  # when the setting was stored (None for a default)
