"""docs/kinetics.md documents every kinetics command and every NCA setting."""

from __future__ import annotations

from pathlib import Path

from cartrial.cli.kinetics import kinetics_app
from cartrial.kinetics.settings import NcaSettings

DOC = (Path(__file__).resolve().parents[2] / "docs" / "kinetics.md").read_text(encoding="utf-8")


def test_every_kinetics_command_is_documented() -> None:
    names = [c.name for c in kinetics_app.registered_commands]
    assert names == ["nca", "summary", "plot", "fit"]
    for name in names:
        assert f"cartrial kinetics {name} " in DOC, name


def test_every_nca_setting_is_documented() -> None:
    for name in NcaSettings.model_fields:
        if name == "conc_blq":
            for position in ("first", "middle", "last"):
                assert f"`conc_blq.{position}`" in DOC
        else:
            assert f"`{name}`" in DOC, name
