"""Artifact path rules: normalise a run-relative path, refuse escapes, and walk a folder safely."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from runway_core.errors import InvalidInput

MAX_PATH_LENGTH = 1000
_DRIVE_RE = re.compile(r"^[A-Za-z]:")


def normalize_path(path: object, field: str = "path") -> str:
    """Return ``path`` as clean ``a/b/c``; refuse ``..``, absolute paths, NUL and backslashes."""
    if not isinstance(path, str):
        raise InvalidInput(f"{field} must be a string, got {type(path).__name__}", field=field)
    if "\x00" in path:
        raise InvalidInput(f"{field} must not contain NUL bytes", field=field)
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in path):
        raise InvalidInput(f"{field} must not contain control characters", field=field)
    # A backslash is a separator on Windows, so "..\\x" would escape there: refuse it everywhere.
    if "\\" in path:
        raise InvalidInput(f"{field} {path!r} contains a backslash; use '/'", field=field)
    if path.startswith("/") or _DRIVE_RE.match(path):
        raise InvalidInput(
            f"{field} {path!r} is absolute; give a path relative to the run", field=field
        )
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise InvalidInput(f"{field} {path!r} contains '..'", field=field)
    if not parts:
        raise InvalidInput(f"{field} must not be empty", field=field)
    clean = "/".join(parts)
    if len(clean) > MAX_PATH_LENGTH:
        raise InvalidInput(f"{field} is longer than {MAX_PATH_LENGTH} characters", field=field)
    return clean


def source_file(source: str | os.PathLike[str]) -> Path:
    """The local file an upload reads from; a folder or a missing file is refused."""
    file = Path(source)
    if file.is_dir():
        raise InvalidInput(f"{file} is a folder; use log_artifacts()", field="source")
    if not file.is_file():
        raise InvalidInput(f"{file} is not a readable file", field="source")
    return file


def normalize_prefix(prefix: str, field: str = "prefix") -> str:
    """Like ``normalize_path`` but empty (the whole run) is allowed."""
    if prefix in ("", ".", "/"):
        return ""
    return normalize_path(prefix.rstrip("/"), field)


def iter_folder(folder: Path, dest: str = "") -> Iterator[tuple[str, Path]]:
    """All files under ``folder`` as (artifact path, file), sorted; refuse symlinks leaving it.

    The whole walk is checked before the first item is returned, so a folder with one escaping
    link uploads nothing.
    """
    root = Path(folder)
    if not root.is_dir():
        raise InvalidInput(f"{folder} is not a folder", field="path")
    real_root = root.resolve()
    prefix = normalize_prefix(dest, "path")
    found: list[tuple[str, Path]] = []
    seen_dirs: set[Path] = set()

    def walk(current: Path, rel: str) -> None:
        real = current.resolve()
        if real in seen_dirs:  # a link loop inside the folder
            return
        seen_dirs.add(real)
        for entry in sorted(os.scandir(current), key=lambda e: e.name):
            child = Path(entry.path)
            child_rel = f"{rel}/{entry.name}" if rel else entry.name
            if entry.is_symlink():
                target = child.resolve()
                if target != real_root and real_root not in target.parents:
                    raise InvalidInput(
                        f"symlink {child_rel!r} points outside the folder ({target}); refused",
                        field="path",
                    )
            if entry.is_dir():
                walk(child, child_rel)
            elif entry.is_file():
                artifact_path = f"{prefix}/{child_rel}" if prefix else child_rel
                found.append((normalize_path(artifact_path), child))

    walk(root, "")
    yield from found
