"""CTCAE v5.0 terms: shipped terms with MedDRA codes; any other term takes the investigator's grade.

References: NCI CTCAE v5.0 (27 Nov 2017): "Acute kidney injury", MedDRA code 10069339,
SOC Renal and urinary disorders, grade 3 "Hospitalization indicated", grade 4
"Life-threatening consequences; dialysis indicated", grade 5 "Death" (no grades 1-2 in
v5.0); the MedDRA system organ classes (MedDRA introductory guide: 27 SOCs). The DLT
rule is the template's D8 ("other grade >= 3 non-haematological AE lasting > 72 h",
CLINICAL_RULES section 2).
"""

from __future__ import annotations

from typing import Any

import pytest

from cartrial.errors import InputError
from cartrial.protocol.dlt import DltSpec
from cartrial.protocol.model import Window
from cartrial.safety.ctcae import UNLISTED_NOTE, grade_lab, load_ctcae
from cartrial.safety.dlt import assess_dlt
from cartrial.safety.events import PatientSafety, classify_adverse_events

MEDDRA_SOCS = {
    "Blood and lymphatic system disorders",
    "Cardiac disorders",
    "Congenital, familial and genetic disorders",
    "Ear and labyrinth disorders",
    "Endocrine disorders",
    "Eye disorders",
    "Gastrointestinal disorders",
    "General disorders and administration site conditions",
    "Hepatobiliary disorders",
    "Immune system disorders",
    "Infections and infestations",
    "Injury, poisoning and procedural complications",
    "Investigations",
    "Metabolism and nutrition disorders",
    "Musculoskeletal and connective tissue disorders",
    "Neoplasms benign, malignant and unspecified (incl cysts and polyps)",
    "Nervous system disorders",
    "Pregnancy, puerperium and perinatal conditions",
    "Psychiatric disorders",
    "Renal and urinary disorders",
    "Reproductive system and breast disorders",
    "Respiratory, thoracic and mediastinal disorders",
    "Skin and subcutaneous tissue disorders",
    "Social circumstances",
    "Surgical and medical procedures",
    "Vascular disorders",
    "Product issues",
}

SPEC = DltSpec.model_validate(
    {
        "window_days": 28,
        "definitions": [
            {
                "id": "D8",
                "text": "Other grade >= 3 non-haematological AE lasting > 72 h",
                "rule": {"kind": "non_haematological", "min_grade": 3, "min_duration_hours": 72},
            }
        ],
    }
)


def patient(term: str, **extra: Any) -> PatientSafety:
    return PatientSafety.model_validate(
        {
            "id": "P01",
            "infusion": "2026-03-01T10:00",
            "first_lymphodepletion": "2026-02-26T09:00",
            "last_contact": "2026-03-30T10:00",
            "adverse_events": [
                {
                    "id": "AE1",
                    "term": term,
                    "onset": "2026-03-05T08:00",
                    "grade": 3,
                    "related_product": "probable",
                    "grade_course": [
                        {"time": "2026-03-05T08:00", "grade": 3},
                        {"time": "2026-03-09T08:00", "grade": 1},
                    ],
                    **extra,
                }
            ],
        }
    )


def test_acute_kidney_injury_is_shipped_as_published() -> None:
    aki = load_ctcae().find("Acute kidney injury")
    assert aki.meddra_code == 10069339
    assert aki.soc == "Renal and urinary disorders"
    assert aki.grades == {
        3: "Hospitalization indicated",
        4: "Life-threatening consequences; dialysis indicated",
        5: "Death",
    }


def test_grade3_acute_kidney_injury_for_96_h_is_a_dlt() -> None:
    result = assess_dlt(patient=patient("Acute kidney injury"), spec=SPEC)
    assert result.dlt is True
    assert result.triggers[0].term == "Acute kidney injury"


def test_term_not_shipped_takes_the_investigator_grade_and_is_flagged() -> None:
    # "Hiccups" is a CTCAE v5.0 term the shipped list does not carry.
    result = assess_dlt(patient=patient("Hiccups"), spec=SPEC)
    assert result.dlt is True
    assert UNLISTED_NOTE in result.triggers[0].reason
    (flags,) = classify_adverse_events(
        patient=patient("Hiccups", soc="Respiratory, thoracic and mediastinal disorders"),
        window=Window(anchor="infusion", days_after_infusion=30),
        aesi=[],
    )
    assert (flags.term, flags.soc, flags.term_note) == (
        "Hiccups",
        "Respiratory, thoracic and mediastinal disorders",
        UNLISTED_NOTE,
    )


def test_term_not_shipped_without_soc_is_reported_as_such() -> None:
    (flags,) = classify_adverse_events(
        patient=patient("Hiccups"),
        window=Window(anchor="infusion", days_after_infusion=30),
        aesi=[],
    )
    assert flags.soc == "SOC not given (term not in the shipped CTCAE list)"


def test_a_lab_term_must_still_be_a_shipped_lab_term() -> None:
    with pytest.raises(InputError) as err:
        grade_lab(term="Hiccups", value=1, unit="x10^9/L")  # type: ignore[arg-type]
    assert err.value.field == "term"


def test_shipped_terms_have_meddra_socs_and_distinct_8_digit_codes() -> None:
    terms = load_ctcae().terms
    assert {t.soc for t in terms} <= MEDDRA_SOCS
    codes = [t.meddra_code for t in terms if t.meddra_code is not None]
    assert len(codes) == len(set(codes))
    assert all(10_000_000 <= c <= 10_099_999 for c in codes)
