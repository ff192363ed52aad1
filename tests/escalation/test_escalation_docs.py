"""docs/escalation.md: its example commands run, and every option of every command is documented."""

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cartrial.cli.main import app

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "escalation.md"
COMMANDS = ["next", "boundaries", "select-mtd", "simulate", "sweep"]
runner = CliRunner()


def examples():
    return [
        shlex.split(line)[1:]
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith("cartrial escalation ")
    ]


def test_every_documented_example_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    found = examples()
    assert {args[1] for args in found} == set(COMMANDS)
    for args in found:
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (args, result.output)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_is_documented(command):
    help_text = runner.invoke(app, ["escalation", command, "--help"], env={"COLUMNS": "200"}).stdout
    options = set(re.findall(r"--[a-z][a-z-]+", help_text)) - {"--help"}
    documented = set(re.findall(r"`(--[a-z][a-z-]+)`", DOC.read_text(encoding="utf-8")))
    assert options, command
    assert options <= documented, options - documented
    assert f"### `cartrial escalation {command}`" in DOC.read_text(encoding="utf-8")
