"""Schedules under the bundled protocols (uclm802, szugh-msln-2024, msk-m28z1xxpd1dnr).

Expected values are hand-computed from the protocol files' (assumed) regimens:
fludarabine 30 mg/m2/day and cyclophosphamide 300 mg/m2/day on days -5, -4, -3,
fludarabine x 0.8 for 30 <= CrCl <= 70 mL/min and not given below 30, infusion at
least 72 h after the last dose.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from cartrial.cli.main import app

runner = CliRunner()


def schedule_json(protocol: str, *extra: str) -> dict[str, Any]:
    result = runner.invoke(app, ["schedule", "--protocol", protocol, *extra, "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def doses(payload: dict[str, Any]) -> dict[str, str]:
    return {a["agent"]: a["daily_dose_mg"] for a in payload["lymphodepletion"]["agents"]}


def test_uclm802_worked_example() -> None:
    # 170 cm / 70 kg: Mosteller 1.818 m2. CrCl 45: fludarabine 30 x 0.8 = 24 mg/m2
    # x 1.818 = 43.632 -> 43.6 mg/day; cyclophosphamide 300 x 1.818 = 545.4 mg/day.
    # Level 2 = 0.3 x 10^6/kg x 70 kg = 21,000,000 cells. Infusion 1 March 2026:
    # lymphodepletion 24-26 February.
    payload = schedule_json(
        "uclm802",
        "--infusion-date", "2026-03-01", "--weight-kg", "70", "--height-cm", "170",
        "--crcl", "45", "--dose-level", "2",
    )  # fmt: skip
    assert payload["bsa"]["bsa_m2"] == "1.818"
    assert doses(payload) == {"fludarabine": "43.6", "cyclophosphamide": "545.4"}
    assert payload["cell_dose"]["total_cells"] == 21_000_000
    assert [d["date"] for d in payload["calendar"]["lymphodepletion"]] == [
        "2026-02-24",
        "2026-02-25",
        "2026-02-26",
    ]
    assert payload["calendar"]["infusion"]["status"] == "needs_end_time"
    # Every assumed value the schedule used is flagged.
    warnings = "\n".join(payload["warnings"])
    for what in ("fludarabine 30 mg/m2/day", "cyclophosphamide 300 mg/m2/day", "dose level 2"):
        assert f"{what} is an assumed value" in warnings


def test_uclm802_default_level_is_the_titration_start() -> None:
    # Level 1 = 0.1 x 10^6/kg x 70 kg = 7,000,000 cells.
    payload = schedule_json(
        "uclm802", "--infusion-date", "2026-03-01", "--weight-kg", "70", "--height-cm", "170"
    )
    assert payload["cell_dose"]["total_cells"] == 7_000_000


@pytest.mark.parametrize(
    ("crcl", "flu"),
    [
        # 180 cm / 80 kg: sqrt(14400 / 3600) = 2 m2. 30 x 2 = 60.0; x 0.8 = 48.0.
        ("29.9", "0.0"),
        ("30", "48.0"),
        ("70", "48.0"),
        ("70.1", "60.0"),
    ],
)
def test_szugh_renal_band_boundaries(crcl: str, flu: str) -> None:
    payload = schedule_json(
        "szugh-msln-2024",
        "--infusion-date", "2026-01-31", "--weight-kg", "80", "--height-cm", "180",
        "--crcl", crcl, "--dose-level", "3",
    )  # fmt: skip
    # cyclophosphamide 300 x 2 = 600.0 mg/day whatever the clearance.
    assert doses(payload) == {"fludarabine": flu, "cyclophosphamide": "600.0"}
    # level 3 = 2 x 10^6/kg x 80 kg = 160,000,000 cells (no weight cap in the protocol)
    assert payload["cell_dose"]["total_cells"] == 160_000_000


def test_szugh_needs_an_explicit_dose_level() -> None:
    # The dose is investigator-assigned: no default level.
    result = runner.invoke(
        app,
        [
            "schedule", "-p", "szugh-msln-2024", "--infusion-date", "2026-01-31",
            "--weight-kg", "80", "--height-cm", "180",
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "field 'dose_level'" in result.stderr


def test_szugh_ld_end_time_across_a_month_end() -> None:
    # Infusion 2 March 2026: day -3 = 27 February; ended 18:15 + 72 h = 2 March 18:15.
    payload = schedule_json(
        "szugh-msln-2024",
        "--infusion-date", "2026-03-02", "--weight-kg", "80", "--height-cm", "180",
        "--dose-level", "1", "--ld-end-time", "18:15",
    )  # fmt: skip
    timing = payload["calendar"]["infusion"]
    assert (timing["status"], timing["earliest"]) == ("satisfied_from_time", "2026-03-02T18:15:00")


def test_msk_leaves_the_regimen_and_dose_levels_open() -> None:
    result = runner.invoke(
        app,
        [
            "schedule", "-p", "msk-m28z1xxpd1dnr", "--infusion-date", "2026-03-02",
            "--weight-kg", "70", "--height-cm", "170",
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stdout == ""
    message = " ".join(result.stderr.split())
    assert "protocol 'msk-m28z1xxpd1dnr' leaves open what a treatment schedule needs" in message
    assert "(lymphodepletion)" in message and "(dose_levels)" in message
