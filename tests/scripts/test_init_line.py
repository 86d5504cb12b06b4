"""``runway.init()`` says, in one line on stderr, which run it started and where it is recorded."""

from __future__ import annotations

from pathlib import Path

from tests.scripts.conftest import run_script

SCRIPT = """
    import runway
    run = runway.init(project="digits", experiment="svm", name="brisk-heron-42", capture=False)
    run.finish()
    print(run.id)
"""


def test_the_line_names_the_run_and_the_database_file(tmp_path: Path) -> None:
    done = run_script(tmp_path / "train.py", SCRIPT)
    assert done.returncode == 0, done.stderr
    db = (tmp_path / "runway.db").resolve()
    assert done.stderr == f"runway: run brisk-heron-42 → {db} (project digits / svm)\n"


def test_the_line_names_the_server_and_links_the_dashboard(tmp_path: Path, live_server) -> None:
    env = {"RUNWAY_TRACKING_URI": live_server.url, "RUNWAY_UI_URL": "http://ui.example:8501/"}
    done = run_script(tmp_path / "train.py", SCRIPT, env=env)
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.strip()
    assert done.stderr == (
        f"runway: run brisk-heron-42 → {live_server.url} (project digits / svm) "
        f"http://ui.example:8501/run?run={run_id}\n"
    )
    del env["RUNWAY_UI_URL"]
    done = run_script(tmp_path / "train.py", SCRIPT, env=env)
    assert done.stderr == f"runway: run brisk-heron-42 → {live_server.url} (project digits / svm)\n"


def test_runway_silent_turns_it_off(tmp_path: Path) -> None:
    done = run_script(tmp_path / "train.py", SCRIPT, env={"RUNWAY_SILENT": "true"})
    assert done.returncode == 0 and done.stderr == ""
