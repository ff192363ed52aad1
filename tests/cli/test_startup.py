"""``cartrial --help`` imports no command module and no heavy library (issue 12).

What is imported is checked, not how long it takes (the time: bench/cli_startup.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.core import TyperCommand, TyperGroup
from typer.testing import CliRunner

from cartrial.cli.main import COMMANDS, app, load_command

HEAVY = ("scipy", "pandas", "lifelines", "sqlalchemy", "matplotlib", "numpy", "statsmodels")
SRC = Path(__file__).resolve().parents[2] / "src"


def _modules_after(*argv: str) -> set[str]:
    code = (
        "import sys, json\n"
        "from cartrial.cli.main import app\n"
        f"sys.argv = ['cartrial', *{list(argv)!r}]\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("argv", [("--help",), ("version",)])
def test_help_and_version_import_no_heavy_library(argv: tuple[str, ...]) -> None:
    modules = _modules_after(*argv)
    assert not {m for m in modules if m.split(".")[0] in HEAVY}
    assert not {m for m in modules if m.startswith("cartrial.cli.") and m != "cartrial.cli.main"}


def test_a_command_imports_its_module_when_it_runs() -> None:
    assert "cartrial.cli.safety" in _modules_after("safety", "--help")


def test_the_help_line_kept_in_main_is_each_commands_own() -> None:
    for name, spec in COMMANDS.items():
        command = load_command(name)
        assert isinstance(command, TyperCommand | TyperGroup)
        own = " ".join((command.help or "").split("\n\n")[0].split())
        assert spec.help == own, name


def test_every_command_is_listed_and_runs_its_help() -> None:
    runner = CliRunner()
    listing = runner.invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0
    for name in COMMANDS:
        assert f" {name} " in listing.output
        result = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (name, result.output)


def test_flags_show_no_bool_type_in_help() -> None:
    runner = CliRunner()
    for argv in (["--help"], ["screen", "--help"], ["kinetics", "nca", "--help"]):
        result = runner.invoke(app, argv, env={"COLUMNS": "200"})
        assert result.exit_code == 0
        assert "<bool>" not in result.output, argv
    # a valued option still shows its type
    assert "<str>" in runner.invoke(app, ["screen", "--help"], env={"COLUMNS": "200"}).output


def test_a_misspelt_command_is_suggested() -> None:
    result = CliRunner().invoke(app, ["safty"])
    assert result.exit_code == 2
    assert "safety" in result.output
