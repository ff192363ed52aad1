"""Each verdict's reason quotes the subject's value and the seed's threshold."""

from __future__ import annotations

from typing import Any

import pytest

from .seedcases import screen_with, therapy


@pytest.mark.parametrize(
    ("protocol_id", "criterion", "change", "quoted"),
    [
        (
            "szugh-msln-2024",
            "exc02",
            {"labs[wbc]": {"value": "1000", "unit": "/uL"}},
            ["excluded", "WBC 1000 /uL", "≤ 1 x10^9/L"],
        ),
        (
            "szugh-msln-2024",
            "exc03",
            {"labs[ast]": {"value": "101"}},
            ["AST 101 U/L", "2.52 x ULN", "ULN 40 U/L", "> 2.5 x ULN"],
        ),
        (
            "uclm802",
            "inc07",
            # 157 umol/L / 88.42 = 1.7756 mg/dL; (140 - 61) x 72 / (72 x 1.7756) = 44.5 mL/min
            {"labs[creatinine]": {"value": "157"}},
            ["157 umol/L", "not ≤ 1.5 x ULN", "Cockcroft-Gault", "44.5 mL/min", "not ≥ 60 mL/min"],
        ),
        ("uclm802", "inc01", {"birth_date": "2008-03-11"}, ["age 17", "2026-03-10", "≥ 18"]),
        (
            "uclm802",
            "exc01",
            {
                "prior_therapies+": therapy(
                    "small_molecule_targeted", "2026-03-08", "anlotinib", "0.5"
                )
            },
            ["anlotinib", "2026-03-08", "2 days before consent", "2.5 days"],
        ),
        (
            "szugh-msln-2024",
            "exc12",
            {"history.live_vaccine_date": "2026-02-18"},
            ["2026-02-18", "within 4 weeks before enrolment (2026-03-17)"],
        ),
        (
            "szugh-msln-2024",
            "inc10",
            {"investigator.leukapheresis_contraindicated": None},
            ["no investigator's assessment"],
        ),
    ],
)
def test_reason_quotes_value_and_threshold(
    protocol_id: str, criterion: str, change: dict[str, Any], quoted: list[str]
) -> None:
    result = screen_with(protocol_id, change)
    reason = next(c.reason for c in result.criteria if c.id == criterion)
    for text in quoted:
        assert text in reason
    assert criterion in result.reason
