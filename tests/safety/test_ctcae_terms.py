"""CTCAE v5.0 terms: all 837 of NCI's list; a name in neither list takes the investigator's grade.

References: NCI CTCAE v5.0 (27 Nov 2017): 837 terms; "Acute kidney injury", MedDRA
code 10069339, SOC Renal and urinary disorders, grade 3 "Hospitalization indicated",
grade 4 "Life-threatening consequences; dialysis indicated", grade 5 "Death" (no grades
1-2 in v5.0); the MedDRA system organ classes (MedDRA introductory guide: 27 SOCs). The
DLT rule is the template's D8 ("other grade >= 3 non-haematological AE lasting > 72 h",
CLINICAL_RULES section 2).

Second, independent source for the term/code pairs below: the Medizininformatik-
Initiative's FHIR ConceptMap "MII CM Onko Nebenwirkung MedDRA zu SNOMED CT (CTCAE
v4.03)" (kerndatensatzmodul-onkologie, version 2026.0.3), which lists the MedDRA code
of each CTCAE v4.03 term; v4.03 and v5.0 share these terms and codes. SOC pairs: the
CTCAE v6.0-derived demonstration subset of an ADR coder (MedDRA 28.0) and a SOC list
that keys each "Other, specify" term by its SOC code; values transcribed here.
"""

from __future__ import annotations

from typing import Any

import pytest

from cartrial.errors import InputError
from cartrial.protocol.dlt import DltSpec
from cartrial.protocol.model import Window
from cartrial.safety.ctcae import UNLISTED_NOTE, _merge, grade_lab, load_ctcae
from cartrial.safety.ctcae_nci import load_nci_terms
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


def test_grade3_aki_trigger_is_a_ctcae_term_not_flagged_unlisted() -> None:
    (trigger,) = assess_dlt(patient=patient("AKI"), spec=SPEC).triggers
    assert (trigger.rule_id, trigger.term) == ("D8", "Acute kidney injury")
    assert UNLISTED_NOTE not in trigger.reason


@pytest.mark.parametrize(
    "term", ["CD4 lymphocytes decreased", "Bone marrow hypocellular", "Leukocytosis"]
)
def test_a_grade3_blood_count_term_for_96_h_is_not_a_non_haematological_dlt(term: str) -> None:
    """Grade 3 CD4 < 200/mm3 for 96 h after Flu/Cy is expected lymphodepletion, not D8
    (CLINICAL_RULES.md section 2); before, every CTCAE term but six counted as
    non-haematological, so this was a DLT."""
    assert load_ctcae().find(term).haematological
    result = assess_dlt(patient=patient(term), spec=SPEC)
    assert result.dlt is False, result.triggers


def test_coagulation_terms_stay_non_haematological() -> None:
    assert not load_ctcae().find("Disseminated intravascular coagulation").haematological


def test_a_ctcae_term_cartrial_adds_nothing_to_is_accepted_with_ncis_soc() -> None:
    # "Hiccups" was refused, then accepted as unlisted; it is a CTCAE v5.0 term.
    result = assess_dlt(patient=patient("Hiccups"), spec=SPEC)
    assert result.dlt is True
    assert UNLISTED_NOTE not in result.triggers[0].reason
    (flags,) = classify_adverse_events(
        patient=patient("hiccups"),
        window=Window(anchor="infusion", days_after_infusion=30),
        aesi=[],
    )
    assert (flags.term, flags.soc, flags.term_note) == (
        "Hiccups",
        "Respiratory, thoracic and mediastinal disorders",
        None,
    )


def test_name_in_neither_list_takes_the_investigator_grade_and_is_flagged() -> None:
    result = assess_dlt(patient=patient("Chest tightness"), spec=SPEC)
    assert result.dlt is True
    assert UNLISTED_NOTE in result.triggers[0].reason
    (flags,) = classify_adverse_events(
        patient=patient(
            "Chest tightness", soc="General disorders and administration site conditions"
        ),
        window=Window(anchor="infusion", days_after_infusion=30),
        aesi=[],
    )
    assert (flags.term, flags.soc, flags.term_note) == (
        "Chest tightness",
        "General disorders and administration site conditions",
        UNLISTED_NOTE,
    )


def test_name_in_neither_list_without_soc_is_reported_as_such() -> None:
    (flags,) = classify_adverse_events(
        patient=patient("Chest tightness"),
        window=Window(anchor="infusion", days_after_infusion=30),
        aesi=[],
    )
    assert flags.soc == "SOC not given (term not in CTCAE v5.0)"


def test_a_lab_term_must_still_be_a_lab_term() -> None:
    with pytest.raises(InputError) as err:
        grade_lab(term="Hiccups", value=1, unit="x10^9/L")  # type: ignore[arg-type]
    assert err.value.field == "term"


def test_ncis_list_has_837_terms_26_socs_and_distinct_codes() -> None:
    nci = load_nci_terms()
    assert len(nci) == 837
    assert len({t.term.casefold() for t in nci}) == 837
    assert len({t.meddra_code for t in nci}) == 837
    socs = {t.soc for t in nci}
    assert len(socs) == 26 and socs <= MEDDRA_SOCS  # all but "Product issues"
    assert all(t.grades and set(t.grades) <= {1, 2, 3, 4, 5} for t in nci)


def test_the_table_is_ncis_list_plus_cartrials_own_four() -> None:
    table = load_ctcae()
    assert sum(t.in_ctcae for t in table.terms) == 837
    own = sorted(t.term for t in table.terms if not t.in_ctcae)
    assert own == [
        "Hemophagocytic lymphohistiocytosis",
        "Immune effector cell-associated neurotoxicity syndrome",
        "Peritonitis",
        "Pleuritis",
    ]
    by_term = {t.term: t for t in load_nci_terms()}
    for term in table.terms:
        if term.in_ctcae:
            nci = by_term[term.term]
            assert (term.meddra_code, term.soc) == (nci.meddra_code, nci.soc)
            if term.term != "Cytokine release syndrome":  # ASTCT grade texts
                assert term.grades == nci.grades


# (term, MedDRA code) as the MII CTCAE v4.03 map lists them (module docstring).
MII_V403_CODES = [
    ("Abdominal pain", 10000081),
    ("Acute kidney injury", 10069339),
    ("Alanine aminotransferase increased", 10001551),
    ("Anaphylaxis", 10002218),  # shipped before as 10002198 (wrong)
    ("GGT increased", 10056910),  # shipped before as 10017693 (wrong)
    ("Tumor lysis syndrome", 10045152),  # shipped before as 10045170 (wrong)
    ("Catheter related infection", 10007810),
    ("Chest wall pain", 10008496),
    ("Cytokine release syndrome", 10052015),
    ("Death NOS", 10011914),
    ("Diarrhea", 10012727),
    ("Hypoalbuminemia", 10020943),
    ("Hypokalemia", 10021018),
    ("Hyponatremia", 10021038),
    ("Hypophosphatemia", 10021059),
    ("Infections and infestations - Other, specify", 10021881),
    ("Infusion related reaction", 10051792),
    ("Mobitz (type) II atrioventricular block", 10027786),
    ("Non-cardiac chest pain", 10062501),
    ("Pericardial tamponade", 10053565),
    ("Peritoneal infection", 10057262),
    ("Sepsis", 10040047),
    ("Stenosis of gastrointestinal stoma", 10065898),
    ("White blood cell decreased", 10049182),
]


@pytest.mark.parametrize(("term", "code"), MII_V403_CODES)
def test_meddra_code_agrees_with_an_independent_v403_map(term: str, code: int) -> None:
    assert load_ctcae().find(term).meddra_code == code


# (term, SOC): the v6.0-derived subset and the "Other, specify" SOC list (module docstring).
INDEPENDENT_SOCS = [
    ("Anaphylaxis", "Immune system disorders"),
    ("Acute kidney injury", "Renal and urinary disorders"),
    ("Infusion related reaction", "Injury, poisoning and procedural complications"),
    ("Pneumonitis", "Respiratory, thoracic and mediastinal disorders"),
    ("Nausea", "Gastrointestinal disorders"),
    ("Fatigue", "General disorders and administration site conditions"),
    ("Upper respiratory infection", "Infections and infestations"),
    ("Eye disorders - Other, specify", "Eye disorders"),
    ("Hepatobiliary disorders - Other, specify", "Hepatobiliary disorders"),
]


@pytest.mark.parametrize(("term", "soc"), INDEPENDENT_SOCS)
def test_soc_agrees_with_an_independent_source(term: str, soc: str) -> None:
    assert load_ctcae().find(term).soc == soc


def test_sepsis_has_the_grade_3_that_v5_added() -> None:
    assert load_ctcae().find("Sepsis").grades[3] == (
        "Blood culture positive with signs or symptoms; treatment indicated"
    )


def test_loader_refuses_a_code_that_disagrees_with_ncis_list() -> None:
    anaphylaxis = next(t for t in load_nci_terms() if t.term == "Anaphylaxis")
    with pytest.raises(ValueError, match="meddra_code 10002198, but NCI"):
        _merge({"term": "Anaphylaxis", "meddra_code": 10002198}, anaphylaxis)
    with pytest.raises(ValueError, match="soc"):
        _merge(
            {"term": "Anaphylaxis", "soc": "Skin and subcutaneous tissue disorders"}, anaphylaxis
        )
    with pytest.raises(ValueError, match="grades_source"):
        _merge({"term": "Anaphylaxis", "grades": {3: "x"}}, anaphylaxis)


def test_shipped_terms_have_meddra_socs_and_distinct_8_digit_codes() -> None:
    terms = load_ctcae().terms
    assert {t.soc for t in terms} <= MEDDRA_SOCS
    codes = [t.meddra_code for t in terms if t.meddra_code is not None]
    assert len(codes) == len(set(codes))
    assert all(10_000_000 <= c <= 10_099_999 for c in codes)
