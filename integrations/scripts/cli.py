"""Entry point of the ``runway`` command: the core commands plus the SDK's and the dashboard's."""

from __future__ import annotations

from runway_core.cli import CORE_COMMANDS, register_commands
from runway_core.cli.errors import run_cli

# Each module defines register(app). Keep imports inside commands light: `runway --version`
# must not import Streamlit or FastAPI.
COMMANDS = [
    *CORE_COMMANDS,
    "runway.ui.commands",
    "runway._run_command",
    "runway.import_command",
    "runway.prefect.cli",
]


def main() -> None:
    run_cli(register_commands(COMMANDS))


if __name__ == "__main__":
    main()
