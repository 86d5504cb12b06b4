"""What an artifact file is (image, code language, reproduction role) and commit links."""

from __future__ import annotations


def commit_url(remote: str | None, commit: str | None) -> str | None:
    """A browsable commit page for GitHub/GitLab/Bitbucket remotes (https or ssh form)."""
    if not remote or not commit:
        return None
    url = remote.strip()
    if url.startswith("git@"):
        host, _, path = url[4:].partition(":")
        url = f"https://{host}/{path}"
    elif url.startswith("ssh://"):
        url = "https://" + url[6:].split("@", 1)[-1]
    if not url.startswith(("https://", "http://")):
        return None
    url = url.removesuffix(".git").rstrip("/")
    # Strip credentials a remote URL may embed (https://token@github.com/...).
    scheme, _, rest = url.partition("://")
    rest = rest.split("@", 1)[-1]
    segment = "commits" if "bitbucket" in rest else "commit"
    return f"{scheme}://{rest}/{segment}/{commit}"


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
