"""``runway run -- python train.py --lr 0.1``: track an uninstrumented script as a run.

The run gets the command, reproduction info, the script's output (tee'd to the terminal and
stored as ``logs/output.log``) and its exit status. The child learns the run id from the
environment, so a script that calls ``runway.init()`` attaches to this run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import typer

LOG_ARTIFACT = "logs/output.log"


def run_command(
    ctx: typer.Context,
    project: str = typer.Option(None, "--project", "-p", help="Project name (default: default)."),
    experiment: str = typer.Option(None, "--experiment", "-e", help="Experiment name."),
    name: str = typer.Option(None, "--name", "-n", help="Run name (default: generated)."),
    tracking_uri: str = typer.Option(
        None, "--tracking-uri", help="Server URL or database (default: RUNWAY_TRACKING_URI)."
    ),
    tag: list[str] = typer.Option([], "--tag", "-t", help="KEY=VALUE, repeatable."),
) -> None:
    """Run a command (after --) as a tracked run; exits with the command's exit code."""
    command = list(ctx.args)
    if not command:
        raise typer.BadParameter("give the command to run after --, e.g. runway run -- python x.py")
    from runway_core import tracking
    from runway_core.config import resolve_tracking_uri, settings
    from runway_core.tracking import exit as exit_hooks
    from runway_core.tracking.context import run_env

    if settings().mode == "disabled":
        raise typer.Exit(subprocess.call(command))
    uri = resolve_tracking_uri(tracking_uri)
    capture = tracking.Capture(command=tuple(command), script=_script_of(command), cwd=Path.cwd())
    run = tracking.start_run(
        project,
        experiment,
        name=name,
        tags=dict(_split_tag(t) for t in tag),
        tracking_uri=uri,
        capture=capture,
    )
    tracking.announce(run)
    run.flush()  # the run exists (or waits in the spool) before the command writes to it
    env = {
        **os.environ,
        **run_env(run.id, uri, run.project, run.experiment, run.name),
        "PYTHONUNBUFFERED": "1",
    }
    with tempfile.TemporaryDirectory(prefix="runway-run-") as tmp, _signals_to_command() as child:
        log_path = Path(tmp) / "output.log"
        code = _run_teed(command, env, log_path, child)
        interrupted = exit_hooks.interrupted()
        status = _status(code, interrupted)
        try:
            # Interrupted: queue the log and the status, then the bounded final upload (what
            # it cannot send in RUNWAY_EXIT_TIMEOUT goes to the spool, the log file with it).
            run.log_artifact(log_path, LOG_ARTIFACT, wait=not interrupted)
        except Exception as exc:  # the log is a convenience; the status must still be recorded
            typer.echo(f"runway: could not store the output log: {exc}", err=True)
        if interrupted:
            run.finish(status)
            exit_hooks.finish_all(status)
        else:
            run.finish(status, wait=True)
    raise typer.Exit(code if code >= 0 else 128 - code)


def _status(code: int, interrupted: bool) -> str:
    """How the command ended: interrupted (Ctrl-C or SIGTERM reached us, or the command died
    by a signal, or exited 128 + SIGINT/SIGTERM as shells report it) is ``killed``."""
    if code == 0:
        return "finished"
    if interrupted or code < 0 or code in (128 + signal.SIGINT, 128 + signal.SIGTERM):
        return "killed"
    return "failed"


class _Child:
    """The running command, once started: where the signals the wrapper gets are passed on."""

    process: subprocess.Popen[bytes] | None = None


@contextlib.contextmanager
def _signals_to_command() -> Iterator[_Child]:
    """Ctrl-C and SIGTERM while the command runs go to it; we wait for it and record how it
    ended, and a second signal while the run's last writes go out is ignored.

    The terminal sends Ctrl-C to its whole foreground process group, and the command runs in
    ours: it already has that SIGINT, and sending it a second one would land in its own final
    upload. So SIGINT is passed on only to a command in another process group."""
    from runway_core.tracking import exit as exit_hooks

    child = _Child()
    if threading.current_thread() is not threading.main_thread():
        yield child
        return

    signals = 0

    def forward(signum: int, _frame: Any) -> None:
        nonlocal signals
        signals += 1
        # Recorded first: the run ends killed, and a second signal skips the final upload.
        exit_hooks.note_interrupted(again=signals > 1)
        process = child.process
        if process is None or process.poll() is not None:
            return
        if signum == signal.SIGINT and _same_group(process.pid):
            return
        process.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield child
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _same_group(pid: int) -> bool:
    try:
        return os.getpgid(pid) == os.getpgrp()
    except OSError:
        return False


def _run_teed(command: list[str], env: dict[str, str], log_path: Path, child: _Child) -> int:
    """Run ``command``; copy its stdout and stderr to ours and, interleaved, to ``log_path``."""
    try:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        log_path.write_text(f"runway: could not start {command[0]!r}: {exc}\n")
        typer.echo(f"runway: could not start {command[0]!r}: {exc}", err=True)
        # The shell's convention: 127 when the command is not found, 126 when it cannot run.
        return 127 if isinstance(exc, FileNotFoundError) else 126
    child.process = process
    lock = threading.Lock()
    with log_path.open("wb") as log:
        assert process.stdout is not None and process.stderr is not None
        pumps = [
            threading.Thread(
                target=_pump, args=(process.stdout, sys.stdout, log, lock), daemon=True
            ),
            threading.Thread(
                target=_pump, args=(process.stderr, sys.stderr, log, lock), daemon=True
            ),
        ]
        for pump in pumps:
            pump.start()
        code = process.wait()
        for pump in pumps:
            pump.join(timeout=10)
    return code


def _pump(source: IO[bytes], terminal: IO[str], log: IO[bytes], lock: threading.Lock) -> None:
    out = getattr(terminal, "buffer", None)
    for chunk in iter(lambda: source.read1(65536), b""):  # type: ignore[attr-defined]
        with lock:
            log.write(chunk)
            log.flush()
        if out is not None:
            out.write(chunk)
            out.flush()
        else:
            terminal.write(chunk.decode(errors="replace"))
            terminal.flush()


def _script_of(command: list[str]) -> Path | None:
    """The Python file a command runs (``python train.py``), for the source artifact."""
    for arg in command[1:] if len(command) > 1 else command:
        if arg.endswith(".py") and Path(arg).is_file():
            return Path(arg)
    return None


def _split_tag(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep:
        raise typer.BadParameter(f"--tag {text!r}: expected KEY=VALUE")
    return key, value


def register(app: typer.Typer) -> None:
    app.command(
        "run",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )(run_command)
