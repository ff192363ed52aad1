"""``cartrial cdisc adam``: SDTM files in, ADaM files and define.xml out; bad input is one
message and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from lxml import etree
from typer.testing import CliRunner

from cartrial.cdisc.dataset import Dataset, DataType, Variable
from cartrial.cdisc.formats.dataset_json import read_dataset_json, write_dataset_json
from cartrial.cli.main import app
from tests.cdisc.adam_sdtm import sdtm
from tests.simulated_trials import SimulatedTrial

runner = CliRunner()


def _kind(column: pd.Series) -> DataType:
    if pd.api.types.is_integer_dtype(column):
        return "integer"
    if pd.api.types.is_float_dtype(column):
        return "float"
    return "text"


def _write_sdtm(directory: Path) -> None:
    for name, frame in sdtm().frames.items():
        variables = tuple(Variable(c, c, _kind(frame[c]), "Collected") for c in frame.columns)
        dataset = Dataset(name, name, "SDTMIG 3.4", "", ("USUBJID",), variables, frame)
        write_dataset_json(dataset, directory)


def test_adam_command_writes_every_dataset_and_define(tmp_path: Path) -> None:
    _write_sdtm(tmp_path / "sdtm")
    result = runner.invoke(
        app, ["cdisc", "adam", "--sdtm", str(tmp_path / "sdtm"), "--out", str(tmp_path / "adam")]
    )
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "adam").iterdir())
    assert "define.xml" in written and "adsl.xpt" in written and "adtte.json" in written
    meta, frame = read_dataset_json(tmp_path / "adam" / "adsl.json")
    assert meta["records"] == 4 and frame["SAFFL"].tolist() == ["Y", "Y", "N", "Y"]


def test_a_directory_without_dm_is_refused_with_one_message(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = runner.invoke(
        app, ["cdisc", "adam", "--sdtm", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "dm.json or dm.xpt" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_format_is_refused_naming_the_option(tmp_path: Path) -> None:
    _write_sdtm(tmp_path / "sdtm")
    result = runner.invoke(
        app,
        ["cdisc", "adam", "--sdtm", str(tmp_path / "sdtm"), "--out", str(tmp_path / "o"),
         "--format", "sas7bdat"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--format" in result.output and "xpt, json, both" in result.output


def test_sdtm_command_writes_datasets_define_and_the_mapping_log(
    small_trial: SimulatedTrial, tmp_path: Path
) -> None:
    out = tmp_path / "sdtm"
    result = runner.invoke(
        app,
        ["cdisc", "sdtm", "--db", str(small_trial.path), "--out", str(out),
         "--as-of", small_trial.data_cut.isoformat()],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    meta, dm = read_dataset_json(out / "dm.json")
    assert meta["studyOID"] == "SZUGH-MSLN-2024"
    assert len(dm) == small_trial.patients
    assert (out / "mapping_log.txt").exists()
    define = etree.parse(str(out / "define.xml"))
    leaves = define.getroot().findall(".//{http://www.cdisc.org/ns/def/v2.1}leaf")
    hrefs = {leaf.get("{http://www.w3.org/1999/xlink}href") for leaf in leaves}
    assert "dm.xpt" in hrefs and all((out / h).exists() for h in hrefs)
    assert (out / "dm.json").exists()


def test_sdtm_command_refuses_a_missing_database(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["cdisc", "sdtm", "--db", str(tmp_path / "nope.db"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "--db" in result.output and "existing SQLite trial database" in result.output
