"""Every ``cartrial ...`` line in README.md's sh blocks runs, on the files under docs/examples.

Each block runs in order in a fresh directory holding a copy of ``docs/`` (so the README's
relative paths resolve) with its own trial database (``cartrial.db`` there); a command that
cannot run here is skipped with the reason listed in ``NOT_RUN``.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cartrial.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# Command prefixes not run here, each with the reason and where it is exercised instead.
NOT_RUN: dict[str, str] = {
    "cartrial serve": "starts an HTTP server that runs until stopped "
    "(its settings: tests/store/test_serve_settings.py)",
    "cartrial infusion check S-001": "needs an enrolled subject with a released lot, built by "
    "docs/walkthrough.md (tests/store/test_walkthrough.py, tests/store/test_infusion_check.py)",
    "cartrial casebook S-001": "needs a subject with records, built by docs/walkthrough.md "
    "(tests/store/test_casebook.py)",
    "cartrial report --db out/uclm802.db": "needs make demo's trial database "
    "(tests/report/study/ runs the report on simulated trials)",
    "cartrial cdisc sdtm --db out/uclm802.db": "needs make demo's trial database "
    "(tests/cdisc/ runs SDTM on simulated trials)",
    "cartrial cdisc adam --sdtm out/uclm802/sdtm": "needs the SDTM files of the line above "
    "(tests/cdisc/test_adam_cli.py)",
    "cartrial trial simulate --protocol uclm802": "a whole 87-patient trial takes about a minute: "
    "make demo runs it (tests/store/test_trial_simulation.py runs the services on smaller ones)",
}


def readme_blocks() -> list[tuple[str, list[str]]]:
    """(heading, cartrial command lines) for each sh block of the README, comments removed."""
    blocks: list[tuple[str, list[str]]] = []
    heading = "top"
    text = README.read_text(encoding="utf-8")
    for match in re.finditer(r"^(#+ [^\n]*)$|^```sh\n(.*?)^```", text, flags=re.M | re.S):
        if match.group(1):
            heading = match.group(1).lstrip("# ").strip()
            continue
        commands = []
        for line in match.group(2).splitlines():
            for part in line.split(" && "):
                words = shlex.split(part, comments=True)
                if words and words[0] == "cartrial":
                    commands.append(shlex.join(words))
        if commands:
            blocks.append((heading, commands))
    return blocks


BLOCKS = readme_blocks()
PASSWORD = "a long enough passphrase 42"


def test_the_readme_shows_commands_for_every_domain() -> None:
    # guards the extraction itself: a changed block syntax must not make the test vacuous
    shown = {command.split()[1] for _, commands in BLOCKS for command in commands}
    for group in ("screen", "safety", "kinetics", "schedule", "escalation", "response", "db"):
        assert group in shown
    assert sum(len(commands) for _, commands in BLOCKS) >= 35


def test_the_readme_names_shipped_example_files() -> None:
    for _, commands in BLOCKS:
        for command in commands:
            for word in shlex.split(command):
                if word.startswith("docs/examples/"):
                    assert (ROOT / word).exists(), f"{command}: {word} is not shipped"


@pytest.mark.parametrize(("heading", "commands"), BLOCKS, ids=[h for h, _ in BLOCKS])
def test_readme_block_runs(
    heading: str, commands: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CARTRIAL_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "80")
    runner = CliRunner()
    for command in commands:
        if any(command.startswith(prefix) for prefix in NOT_RUN):
            continue
        # what a person types at a prompt (``user add`` asks for the password twice)
        result = runner.invoke(app, shlex.split(command)[1:], input=f"{PASSWORD}\n{PASSWORD}\n")
        assert result.exit_code == 0, f"{command}\n{result.output}\n{result.exception!r}"


def test_not_run_lists_only_readme_commands() -> None:
    # a skip whose command left the README would hide nothing and should go
    shown = [command for _, commands in BLOCKS for command in commands]
    for prefix in NOT_RUN:
        assert any(command.startswith(prefix) for command in shown), prefix
