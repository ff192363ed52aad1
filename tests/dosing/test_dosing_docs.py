"""The commands shown in docs/dosing.md run, and every option of the command is documented."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from cartrial.cli.main import app

DOC = Path(__file__).parents[2] / "docs" / "dosing.md"
runner = CliRunner()


def _commands() -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8").replace("\\\n", " ")
    commands = []
    for line in text.splitlines():
        line = line.strip().removeprefix("$ ")
        if line.startswith("cartrial schedule"):
            commands.append(shlex.split(line.split("#")[0])[1:])
    return commands


def test_every_documented_command_runs() -> None:
    commands = _commands()
    assert len(commands) >= 3
    for args in commands:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)


def test_every_option_is_documented() -> None:
    help_text = runner.invoke(app, ["schedule", "--help"], env={"COLUMNS": "200"}).stdout
    options = set(re.findall(r"--[a-z][a-z-]+", help_text)) - {"--help"}
    documented = set(re.findall(r"`(--[a-z][a-z-]+)`", DOC.read_text(encoding="utf-8")))
    assert options and options <= documented, options - documented
