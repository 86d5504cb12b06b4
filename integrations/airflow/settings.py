"""The Airflow integration's own settings, ``RUNWAY_AIRFLOW_*`` (the rest is ``RUNWAY_*``)."""

from __future__ import annotations

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from runway_core.errors import InvalidInput


class AirflowSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="RUNWAY_AIRFLOW_", extra="ignore", env_ignore_empty=True
    )

    enabled: bool = Field(
        True, description="false: the plugin records nothing (hand-wired callbacks still do)"
    )
    timeout: float = Field(
        1.0,
        gt=0,
        le=60,
        description="seconds a task may wait for the Runway server at its start and its end",
    )


def airflow_settings() -> AirflowSettings:
    """Read now (a test or a worker may change the environment between tasks)."""
    try:
        return AirflowSettings()
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        name = "RUNWAY_AIRFLOW_" + str(first["loc"][0]).upper()
        raise InvalidInput(f"{name}: {first['msg']}", field=name) from None
