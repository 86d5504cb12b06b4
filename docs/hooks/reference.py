"""MkDocs hooks: the reference parts of the site, generated from the code at every build so they
cannot fall behind it — the configuration tables from the ``Settings`` classes, and the REST
API's endpoint list and ``openapi.json`` from the app's own OpenAPI document. No network."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

SETTINGS_MARKER = "<!-- runway:settings -->"
OPENAPI_MARKER = "<!-- runway:openapi -->"
ROOT = Path(__file__).resolve().parents[2]
# The dashboard's screenshots as the browser tests last took them (else docs/img's copies).
SCREENSHOTS = {"project.png": "img/project.png", "compare.png": "img/compare.png"}
METHODS = ("get", "post", "put", "patch", "delete")


# -- configuration ----------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
    else:
        value = field.default
    if value is None or value == []:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Path):
        home = str(Path.home())
        shown = str(value)
        return f"`{'~' + shown[len(home) :] if shown.startswith(home) else shown}`"
    return f"`{value}`"


def _bounds(field: FieldInfo) -> str:
    words = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤", "min_length": "length ≥"}
    out = []
    for item in field.metadata:
        for name, sign in words.items():
            bound = getattr(item, name, None)
            if bound is not None:
                out.append(f"{sign} {bound:,}" if isinstance(bound, int) else f"{sign} {bound}")
    return f" ({', '.join(out)})" if out else ""


def settings_table(settings_cls: type[BaseSettings]) -> str:
    """One row per field: its variable, default and description (and bounds, when it has any)."""
    prefix = str(settings_cls.model_config.get("env_prefix", ""))
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, field in settings_cls.model_fields.items():
        if not field.description:
            raise ValueError(f"{settings_cls.__name__}.{name} has no description")
        variable = f"`{(prefix + name).upper()}`"
        meaning = _cell(field.description) + _bounds(field)
        rows.append(f"| {variable} | {_default(field)} | {meaning} |")
    return "\n".join(rows)


def settings_reference() -> str:
    from runway.airflow.settings import AirflowSettings
    from runway_core.config import Settings

    return "\n\n".join(
        [
            "## Runway (`RUNWAY_*`)",
            "Read by the server, the SDK, the CLI and the dashboard "
            "(`runway_core.config.Settings`).",
            settings_table(Settings),
            "## The Airflow plugin (`RUNWAY_AIRFLOW_*`)",
            "Read in the Airflow components' environment (`runway.airflow.settings`).",
            settings_table(AirflowSettings),
        ]
    )


# -- the REST API -----------------------------------------------------------------------------


def openapi_document() -> dict[str, Any]:
    """The document a default ``runway server`` serves (defaults only: this machine's
    ``RUNWAY_*`` variables do not reach the published limits)."""
    from runway.api.app import create_app
    from runway_core.config import Settings

    class Defaults(Settings):
        @classmethod
        def settings_customise_sources(
            cls, settings_cls: Any, init_settings: Any, **_sources: Any
        ) -> Any:
            return (init_settings,)

    app = create_app(Defaults(backend_uri="sqlite:///:memory:"))
    try:
        return app.openapi()
    finally:
        app.state.store.close()


def _parameters(operation: dict[str, Any]) -> str:
    query = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
    return ", ".join(f"`{name}`" for name in query)


def _body(operation: dict[str, Any]) -> str:
    content = operation.get("requestBody", {}).get("content", {})
    for media, spec in content.items():
        ref = str(spec.get("schema", {}).get("$ref", ""))
        name = ref.rsplit("/", 1)[-1]
        return f"`{name}`" if name else f"`{media}`"
    return ""


def _summary(operation: dict[str, Any]) -> str:
    text = operation.get("summary") or ""
    description = (operation.get("description") or "").strip()
    if description:
        first = description.split("\n\n")[0]
        text = first if not text else f"{text}: {first}"
    return _cell(text)


def endpoint_tables(document: dict[str, Any]) -> str:
    """The operations grouped by their first tag (else their prefix), one row each."""
    groups: dict[str, list[str]] = {}
    for path, operations in document.get("paths", {}).items():
        for method in METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            tags = operation.get("tags") or [path.split("/")[1] or "other"]
            codes = ", ".join(sorted(operation.get("responses", {})))
            row = (
                f"| `{method.upper()} {path}` | {_summary(operation)} | "
                f"{_parameters(operation)} | {_body(operation)} | {codes} |"
            )
            groups.setdefault(str(tags[0]), []).append(row)
    head = "| method and path | what | query | body | answers |\n| --- | --- | --- | --- | --- |"
    parts = []
    for tag in sorted(groups, key=str.lower):
        parts.append(f"### {tag}\n\n{head}\n" + "\n".join(groups[tag]))
    return "\n\n".join(parts)


# -- MkDocs hooks -----------------------------------------------------------------------------

_document: dict[str, Any] | None = None


def _openapi() -> dict[str, Any]:
    global _document
    if _document is None:
        _document = openapi_document()
    return _document


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if SETTINGS_MARKER in markdown:
        markdown = markdown.replace(SETTINGS_MARKER, settings_reference())
    if OPENAPI_MARKER in markdown:
        markdown = markdown.replace(OPENAPI_MARKER, endpoint_tables(_openapi()))
    return markdown


def on_files(files: Files, config: Any) -> Files:
    """``openapi.json`` becomes a file of the site (pages link to it)."""
    content = json.dumps(_openapi(), indent=1) + "\n"
    files.append(File.generated(config, "openapi.json", content=content))
    return files


def on_post_build(config: Any) -> None:
    site = Path(config["site_dir"])
    shots = ROOT / "test-output" / "screenshots"
    for name, target in SCREENSHOTS.items():
        if (shots / name).is_file() and (site / target).is_file():
            shutil.copyfile(shots / name, site / target)
