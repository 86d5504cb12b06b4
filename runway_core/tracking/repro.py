"""Reproduction info: code version, environment and machine, captured once per process off the
caller's thread; the command line and start time stay per run.

Each part can be turned off (``capture={"packages": False}``); a part that cannot be read (no
git, no source file) is simply left empty. Nothing here raises into the user's script. Text
artifacts (the source, the uncommitted diff, the package list) are written once to a folder of
this process with their sha256, so each run indexes the same content instead of uploading it.
"""

from __future__ import annotations

import getpass
import hashlib
import importlib.metadata
import os
import platform
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runway_core.tracking.inputs import utf8_path, utf8_text

PARTS = ("git", "diff", "command", "source", "python", "packages", "host", "user")
MAX_DIFF_BYTES = 10 * 1024 * 1024
_USERINFO_RE = re.compile(r"^(\w[\w+.-]*://)[^/@]*@")

CaptureParts = bool | Mapping[str, bool] | Iterable[str]


@dataclass(frozen=True)
class Capture:
    """What to capture, and of which program: by default this process's command line, its
    ``__main__`` script, and git asked in the script's folder (``runway run`` names its child)."""

    parts: CaptureParts = True
    command: tuple[str, ...] | None = None
    script: Path | None = None
    cwd: Path | None = None


def capture_parts(capture: CaptureParts = True) -> frozenset[str]:
    """``True``/``False``, ``{"packages": False}`` (others on), or the parts to keep."""
    if capture is True:
        return frozenset(PARTS)
    if capture is False:
        return frozenset()
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
    return frozenset(parts)


@dataclass(frozen=True)
class ReproFile:
    path: str  # artifact path, e.g. repro/requirements.txt
    file: Path
    sha256: str


@dataclass
class ReproInfo:
    """What this process captured once; ``run_fields`` adds the per-run command."""

    git_commit: str | None = None
    git_branch: str | None = None
    git_remote: str | None = None
    git_dirty: bool | None = None
    python_version: str | None = None
    host: str | None = None
    user: str | None = None
    files: list[ReproFile] = field(default_factory=list)

    def run_fields(self, command: str | None) -> dict[str, Any]:
        """The ``RunStart`` fields this info fills, cut to the lengths a run holds (a branch
        name longer than that must not cost the run its creation)."""
        names = ("git_commit", "git_branch", "git_remote", "git_dirty", "host", "user")
        fields = {name: getattr(self, name) for name in names}
        fields.update(python_version=self.python_version, command=command)
        return {k: _fit(k, v) for k, v in fields.items() if v is not None}


def _fit(name: str, value: Any) -> Any:
    from runway_core.schemas.run import RunBase

    limit = next(
        (m.max_length for m in RunBase.model_fields[name].metadata if hasattr(m, "max_length")),
        None,
    )
    return value[:limit] if isinstance(value, str) and limit is not None else value


def command_line(capture: Capture, parts: frozenset[str]) -> str | None:
    """The run's command (per run: cheap, and a process may change ``sys.argv``)."""
    if "command" not in parts:
        return None
    argv = capture.command if capture.command is not None else (sys.executable, *sys.argv)
    return utf8_text(shlex.join(argv))


def main_script() -> Path | None:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path or not str(path).endswith(".py"):
        return None  # interactive, python -c, or a frozen/zipped entry point
    return Path(path)


# --- once per process ------------------------------------------------------------------------

_lock = threading.Lock()
_captures: dict[tuple[frozenset[str], Path | None, Path | None], Future[ReproInfo]] = {}
_folder: tuple[int, Path] | None = None  # (owner pid, folder of this process's repro files)


def capture_async(capture: Capture, parts: frozenset[str]) -> Future[ReproInfo]:
    """The process's capture for these parts and program, started in a background thread the
    first time it is asked for."""
    script = capture.script if capture.script is not None else main_script()
    key = (parts - {"command"}, script, capture.cwd)
    with _lock:
        future = _captures.get(key)
        if future is None:
            future = _captures[key] = Future()
            threading.Thread(
                target=_run, args=(future, key), name="runway-capture", daemon=True
            ).start()
    return future


def _run(future: Future[ReproInfo], key: tuple[frozenset[str], Path | None, Path | None]) -> None:
    try:
        info = collect(*key)
    except Exception:  # never into the user's script: the runs go without it
        info = ReproInfo()
    future.set_result(info)


def collect(parts: frozenset[str], script: Path | None, cwd: Path | None) -> ReproInfo:
    info = ReproInfo()
    if "python" in parts:
        info.python_version = platform.python_version()
    if "host" in parts:
        info.host = utf8_text(socket.gethostname())
    if "user" in parts:
        info.user = _user()
    if "source" in parts and script is not None and script.is_file():
        name = utf8_path(script.name)
        info.files.append(_keep(f"repro/{name}", source=script))
    if "packages" in parts:
        text = "".join(line + "\n" for line in installed_packages())
        if text:
            info.files.append(_keep("repro/requirements.txt", data=text.encode()))
    if parts & {"git", "diff"}:
        where = cwd if cwd is not None else (script.parent if script else Path.cwd())
        _capture_git(info, where, commit="git" in parts, diff="diff" in parts)
    return info


def installed_packages() -> list[str]:
    seen: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and name.lower() not in seen:
            seen[name.lower()] = f"{name}=={dist.version}"
    return sorted(seen.values(), key=str.lower)


def _keep(path: str, *, source: Path | None = None, data: bytes | None = None) -> ReproFile:
    """A copy in this process's folder (the user may edit the script meanwhile), hashed."""
    target = files_folder() / uuid.uuid4().hex
    if source is not None:
        shutil.copyfile(source, target)
    else:
        target.write_bytes(data or b"")
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    return ReproFile(path, target, digest)


def files_folder() -> Path:
    global _folder
    with _lock:
        if _folder is None or _folder[0] != os.getpid():
            _folder = (os.getpid(), Path(tempfile.mkdtemp(prefix="runway-repro-")))
        return _folder[1]


def cleanup() -> None:
    """Remove this process's repro files (at exit, once their writes are sent or spooled)."""
    folder = _folder
    if folder is not None and folder[0] == os.getpid():
        shutil.rmtree(folder[1], ignore_errors=True)


def after_fork_in_child() -> None:
    """A capture running at the fork never finishes in the child (its thread is gone)."""
    global _lock
    _lock = threading.Lock()
    for key, future in list(_captures.items()):
        if not future.done():
            del _captures[key]


def _user() -> str | None:
    try:
        return utf8_text(getpass.getuser())
    except Exception:  # no login name in some containers (KeyError/OSError); not worth failing
        return None


def _git(cwd: Path, *args: str) -> bytes | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _git_text(cwd: Path, *args: str) -> str | None:
    out = _git(cwd, *args)
    return utf8_text(out.decode("utf-8", "surrogateescape")).strip() if out is not None else None


def _capture_git(info: ReproInfo, where: Path, *, commit: bool, diff: bool) -> None:
    if not where.is_dir() or _git(where, "rev-parse", "--is-inside-work-tree") is None:
        return
    status = _git_text(where, "status", "--porcelain", "--untracked-files=no")
    info.git_dirty = bool(status)
    if commit:
        info.git_commit = _git_text(where, "rev-parse", "HEAD") or None  # None without commits
        branch = _git_text(where, "rev-parse", "--abbrev-ref", "HEAD")
        info.git_branch = branch if branch and branch != "HEAD" else None
        remote = _git_text(where, "remote", "get-url", "origin")
        if remote is None:
            remotes = (_git_text(where, "remote") or "").split()
            remote = _git_text(where, "remote", "get-url", remotes[0]) if remotes else None
        # Never store a token or password embedded in the remote URL.
        info.git_remote = _USERINFO_RE.sub(r"\1", remote) if remote else None
    if diff and info.git_dirty:
        # "git diff HEAD" fails in a repository without commits; plain diff still works there.
        # Kept as bytes: the diff of a file that is not UTF-8 is stored exactly.
        data = _git(where, "diff", "HEAD") or _git(where, "diff")
        if data and len(data) > MAX_DIFF_BYTES:
            data = data[:MAX_DIFF_BYTES] + b"\n# diff truncated at 10 MiB by runway\n"
        if data:
            info.files.append(_keep("repro/git.diff", data=data))
