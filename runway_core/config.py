"""Settings from the environment (``RUNWAY_*``) and the tracking-URI rules shared by every part."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_BACKEND_URI = "sqlite:///./runway.db"
DEFAULT_ARTIFACTS_URI = "./runway-artifacts"


class Settings(BaseSettings):
    """Server and client configuration; every field can be set as ``RUNWAY_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="RUNWAY_", extra="ignore")

    backend_uri: str = Field(DEFAULT_BACKEND_URI, description="SQLAlchemy URL of the database")
    artifacts_uri: str = Field(DEFAULT_ARTIFACTS_URI, description="folder or s3://bucket/prefix")
    tracking_uri: str | None = Field(None, description="where clients send data; unset: embedded")
    secret_key: str | None = Field(None, description="Fernet key that encrypts credentials")
    mode: Literal["online", "offline", "disabled"] = "online"
    spool_dir: Path = Field(Path.home() / ".runway" / "spool")
    max_body_bytes: int = Field(64 * 1024 * 1024, description="largest JSON request body")
    server_mode: bool = Field(False, description="true when serving a team (not the embedded demo)")


def normalize_db_uri(uri: str) -> str:
    """A bare path (``runway.db``, ``/data/r.db``) becomes a SQLite URL; URLs pass unchanged."""
    if "://" in uri:
        if uri.startswith("postgresql://"):
            return "postgresql+psycopg://" + uri[len("postgresql://") :]
        if uri.startswith("postgres://"):
            return "postgresql+psycopg://" + uri[len("postgres://") :]
        return uri
    return f"sqlite:///{Path(uri).expanduser()}"


def default_tracking_uri() -> str:
    return os.environ.get("RUNWAY_TRACKING_URI") or DEFAULT_BACKEND_URI
