"""What an artifact file is: image, code language, reproduction role."""

from __future__ import annotations


def artifact_role(path: str) -> str:
    """Its reproduction role: ``diff``, ``packages``, ``source``, ``log`` or ``other``."""
    lower = path.lower()
    name = lower.rsplit("/", 1)[-1]
    if name.endswith((".diff", ".patch")):
        return "diff"
    if "requirements" in name or name in ("packages.txt", "pip-freeze.txt", "environment.yml"):
        return "packages"
    if name.endswith((".log", "stdout.txt", "stderr.txt")):
        return "log"
    folders = lower.split("/")[:-1]
    if "source" in folders or (
        folders[:1] == ["repro"] and name.endswith((".py", ".sh", ".ipynb"))
    ):
        return "source"
    return "other"


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp")

LANGUAGES = {
    ".py": "python",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".sh": "bash",
    ".diff": "diff",
    ".patch": "diff",
    ".md": "markdown",
    ".sql": "sql",
    ".ini": "ini",
    ".cfg": "ini",
    ".txt": "text",
    ".csv": "text",
    ".log": "text",
}


def language_for(path: str) -> str:
    suffix = "." + path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return LANGUAGES.get(suffix, "text")


def is_image(path: str, media_type: str | None) -> bool:
    return bool(media_type and media_type.startswith("image/")) or path.lower().endswith(
        IMAGE_SUFFIXES
    )
