"""Dependencies injected into routes: the store the app was built with, and its settings."""

from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from runway_core.config import Settings
from runway_core.errors import InvalidInput
from runway_core.store import Store

from .errors import invalid_input_from_errors

M = TypeVar("M", bound=BaseModel)


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def parse_json_body(model: type[M], raw: bytes) -> M:
    """Validate a raw JSON body in one pass (bare NaN/Infinity tokens are accepted)."""
    if not raw.strip():
        raise InvalidInput(f"request body is empty; expected a JSON {model.__name__}", field="body")
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise invalid_input_from_errors(exc.errors(include_url=False)) from None
