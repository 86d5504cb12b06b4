"""Reproduction info captured when a run starts: code version, command, environment, machine.

Each part can be turned off (``capture={"packages": False}``); a part that cannot be read (no
git, no source file) is simply left empty. Nothing here raises into the user's script.
"""

from __future__ import annotations

import getpass
import importlib.metadata
import platform
import re
import shlex
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PARTS = ("git", "diff", "command", "source", "python", "packages", "host", "user")
MAX_DIFF_BYTES = 10 * 1024 * 1024
_USERINFO_RE = re.compile(r"^(\w[\w+.-]*://)[^/@]*@")

Capture = bool | Mapping[str, bool] | Iterable[str]


def capture_parts(capture: Capture = True) -> set[str]:
    """``True``/``False``, ``{"packages": False}`` (others on), or the parts to keep."""
    if capture is True:
        return set(PARTS)
    if capture is False:
        return set()
    if isinstance(capture, Mapping):
        unknown = set(capture) - set(PARTS)
        parts = {p for p in PARTS if capture.get(p, True)}
    else:
        wanted = set(capture)
        unknown = wanted - set(PARTS)
        parts = wanted & set(PARTS)
    if unknown:
        from runway_core.errors import InvalidInput

        raise InvalidInput(
            f"capture: unknown part(s) {sorted(unknown)}; known: {', '.join(PARTS)}",
            field="capture",
        )
    return parts


@dataclass
class ReproInfo:
    start_time: int
    git_commit: str | None = None
    git_branch: str | None = None
    git_remote: str | None = None
    git_dirty: bool | None = None
    git_diff: str | None = None
    command: str | None = None
    source_path: Path | None = None
    python_version: str | None = None
    packages: list[str] = field(default_factory=list)
    host: str | None = None
    user: str | None = None

    def run_fields(self) -> dict[str, Any]:
        """The ``RunCreate`` fields this info fills."""
        names = ("git_commit", "git_branch", "git_remote", "git_dirty", "command", "host")
        fields = {name: getattr(self, name) for name in names}
        fields.update(
            python_version=self.python_version, user=self.user, start_time=self.start_time
        )
        return {k: v for k, v in fields.items() if v is not None}

    def text_artifacts(self) -> dict[str, str]:
        """Artifact path → text: the uncommitted diff and the installed packages."""
        texts: dict[str, str] = {}
        if self.git_diff:
            texts["repro/git.diff"] = self.git_diff
        if self.packages:
            texts["repro/requirements.txt"] = "\n".join(self.packages) + "\n"
        return texts


def capture_repro(
    capture: Capture = True,
    *,
    command: list[str] | None = None,
    source: str | Path | None = None,
    cwd: str | Path | None = None,
) -> ReproInfo:
    """Collect what ``capture`` asks for. ``command`` defaults to this process's command line,
    ``source`` to the ``__main__`` script, ``cwd`` (where git is asked) to the script's folder."""
    parts = capture_parts(capture)
    info = ReproInfo(start_time=int(time.time() * 1000))
    script = Path(source) if source else main_script()
    if "source" in parts and script is not None and script.is_file():
        info.source_path = script.resolve()
    if "command" in parts:
        info.command = shlex.join(command if command is not None else [sys.executable, *sys.argv])
    if "python" in parts:
        info.python_version = platform.python_version()
    if "host" in parts:
        info.host = socket.gethostname()
    if "user" in parts:
        info.user = _user()
    if "packages" in parts:
        info.packages = installed_packages()
    if parts & {"git", "diff"}:
        where = Path(cwd) if cwd else (script.parent if script else Path.cwd())
        _capture_git(info, where, commit="git" in parts, diff="diff" in parts)
    return info


def main_script() -> Path | None:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path or not str(path).endswith(".py"):
        return None  # interactive, python -c, or a frozen/zipped entry point
    return Path(path)


def installed_packages() -> list[str]:
    seen: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and name.lower() not in seen:
            seen[name.lower()] = f"{name}=={dist.version}"
    return sorted(seen.values(), key=str.lower)


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers (KeyError/OSError); not worth failing
        return None


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _capture_git(info: ReproInfo, where: Path, *, commit: bool, diff: bool) -> None:
    if not where.is_dir() or _git(where, "rev-parse", "--is-inside-work-tree") is None:
        return
    status = _git(where, "status", "--porcelain", "--untracked-files=no")
    info.git_dirty = bool(status and status.strip())
    if commit:
        head = _git(where, "rev-parse", "HEAD")
        info.git_commit = head.strip() if head else None  # None in a repo without commits
        branch = _git(where, "rev-parse", "--abbrev-ref", "HEAD")
        info.git_branch = branch.strip() if branch and branch.strip() != "HEAD" else None
        remote = _git(where, "remote", "get-url", "origin")
        if remote is None:
            remotes = (_git(where, "remote") or "").split()
            remote = _git(where, "remote", "get-url", remotes[0]) if remotes else None
        # Never store a token or password embedded in the remote URL.
        info.git_remote = _USERINFO_RE.sub(r"\1", remote.strip()) if remote else None
    if diff and info.git_dirty:
        # "git diff HEAD" fails in a repository without commits; plain diff still works there.
        text = _git(where, "diff", "HEAD") or _git(where, "diff")
        if text and len(text.encode()) > MAX_DIFF_BYTES:
            text = text.encode()[:MAX_DIFF_BYTES].decode(errors="ignore")
            text += "\n# diff truncated at 10 MiB by runway\n"
        info.git_diff = text or None
