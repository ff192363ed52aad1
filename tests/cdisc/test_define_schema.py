"""define.xml 2.1 of a simulated trial's SDTM and ADaM packages validates against the
Define-XML 2.1 XML schema (CDISC's XSD as the odmlib package ships it)."""

from __future__ import annotations

from pathlib import Path

import xmlschema
from odmlib.schema_manager import get_schema_path
from typer.testing import CliRunner

from cartrial.cli.main import app
from tests.simulated_trials import SimulatedTrial

runner = CliRunner()


def _errors(define: Path) -> list[str]:
    schema = xmlschema.XMLSchema(get_schema_path("define", "2.1"))
    return [f"{e.path}: {e.reason}" for e in schema.iter_errors(str(define))]


def test_sdtm_and_adam_define_xml_are_valid_define_2_1(
    small_trial: SimulatedTrial, tmp_path: Path
) -> None:
    sdtm, adam = tmp_path / "sdtm", tmp_path / "adam"
    made = runner.invoke(app, ["cdisc", "sdtm", "--db", str(small_trial.path), "--out", str(sdtm)])
    assert made.exit_code == 0, made.output
    made = runner.invoke(app, ["cdisc", "adam", "--sdtm", str(sdtm), "--out", str(adam)])
    assert made.exit_code == 0, made.output
    assert _errors(sdtm / "define.xml") == []
    assert _errors(adam / "define.xml") == []


def test_the_schema_check_finds_a_broken_define(tmp_path: Path) -> None:
    broken = tmp_path / "define.xml"
    broken.write_text(
        '<?xml version="1.0"?><ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" FileOID="x" '
        'FileType="Snapshot" CreationDateTime="2026-01-01T00:00:00"><Study/></ODM>'
    )
    assert _errors(broken)
