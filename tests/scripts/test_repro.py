"""Reproduction info captured at ``init()``: in a git repository with changes, and outside git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import runway
from tests.scripts.conftest import run_script

SCRIPT = """
    import sys
    import runway
    capture = eval(sys.argv[1]) if len(sys.argv) > 1 else True
    run = runway.init(project="repro", capture=capture)
    run.finish()
    print(run.id)
"""


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def test_repro_inside_a_dirty_git_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "remote", "add", "origin", "https://user:secret-token@github.com/acme/models.git")
    (repo / "model.py").write_text("C = 1.0\n")
    (repo / "train.py").write_text("")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    commit = _git(repo, "rev-parse", "HEAD")
    (repo / "model.py").write_text("C = 2.0\n")  # uncommitted change
    done = run_script(repo / "train.py", SCRIPT, "True", env={"RUNWAY_TRACKING_URI": "runway.db"})
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()
    with runway.Client(f"sqlite:///{repo / 'runway.db'}") as client:
        run = client.get_run(run_id)
        assert run.git_commit == commit and run.git_branch == "main" and run.git_dirty is True
        assert run.git_remote == "https://github.com/acme/models.git"  # the token is dropped
        assert run.command is not None and run.command.endswith("train.py True")
        assert run.host and run.python_version and run.user and run.start_time
        paths = {a.path for a in client.list_artifacts(run_id)}
        assert paths == {"repro/train.py", "repro/git.diff", "repro/requirements.txt"}
        diff = client.preview_artifact(run_id, "repro/git.diff").text or ""
        assert "-C = 1.0" in diff and "+C = 2.0" in diff
        source = client.preview_artifact(run_id, "repro/train.py").text or ""
        assert 'runway.init(project="repro"' in source
        requirements = client.preview_artifact(run_id, "repro/requirements.txt").text or ""
        assert any(line.startswith("runway-tracker==") for line in requirements.splitlines())


def test_repro_outside_git_and_parts_turned_off(tmp_path: Path) -> None:
    done = run_script(tmp_path / "train.py", SCRIPT, "{'packages': False, 'host': False}")
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()
    with runway.Client(f"sqlite:///{tmp_path / 'runway.db'}") as client:
        run = client.get_run(run_id)
        assert run.git_commit is None and run.git_dirty is None and run.git_remote is None
        assert run.host is None and run.python_version is not None
        assert {a.path for a in client.list_artifacts(run_id)} == {"repro/train.py"}

    done = run_script(tmp_path / "train.py", SCRIPT, "False")
    assert done.returncode == 0, done.stderr
    with runway.Client(f"sqlite:///{tmp_path / 'runway.db'}") as client:
        run = client.get_run(done.stdout.strip())
        assert run.command is None and run.python_version is None and run.user is None
        assert client.list_artifacts(run.id) == []


def test_a_branch_name_longer_than_a_run_holds_is_cut_not_fatal(
    tmp_path: Path, live_server
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "train.py").write_text("")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    branch = "/".join(c * 100 for c in "abc")  # 302 characters; a run holds 250
    _git(repo, "checkout", "-q", "-b", branch)
    env = {"RUNWAY_TRACKING_URI": live_server.url, "RUNWAY_SILENT": "true"}
    done = run_script(repo / "train.py", SCRIPT, "{'packages': False}", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # nothing refused
    with runway.Client(live_server.url) as client:
        run = client.get_run(done.stdout.strip())
        assert run.git_branch == branch[:250] and run.status.value == "finished"
        paths = {a.path for a in client.list_artifacts(run.id)}
        assert paths == {"repro/train.py", "repro/git.diff"}  # the script differs from HEAD
