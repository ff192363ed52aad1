"""TEAE/TRAE/SAE/AESI classification: window edges and the pre-existing-AE rule.

Window convention A of CLINICAL_RULES.md ("TEAE windows"): from the first
lymphodepleting dose to N days after infusion; infusion is day 0.
"""

from __future__ import annotations

from typing import Any

from cartrial.protocol.model import Aesi, Window
from cartrial.safety.events import PatientSafety, classify_adverse_events
from cartrial.safety.inputs import parse_input

LD_WINDOW = Window(anchor="first_lymphodepletion", days_after_infusion=30)
INFUSION_WINDOW = Window(anchor="infusion", days_after_infusion=30)
AESI = [
    Aesi(term="Cytokine release syndrome", category="immune effector cell toxicity"),
    Aesi(term="Pleural effusion", category="on-target off-tumour serositis"),
    Aesi(term="Serious or opportunistic infection", category="infection"),
]


def patient(*aes: dict[str, Any]) -> PatientSafety:
    return parse_input(
        PatientSafety,
        {
            "id": "P01",
            "first_lymphodepletion": "2026-02-25T09:00",
            "infusion": "2026-03-01T10:00",
            "adverse_events": list(aes),
        },
    )


def ae(onset: str, **extra: Any) -> dict[str, Any]:
    return {"id": "AE1", "term": "Nausea", "onset": onset, "grade": 2, **extra}


def flags(*aes: dict[str, Any], window: Window = LD_WINDOW) -> Any:
    return classify_adverse_events(patient=patient(*aes), window=window, aesi=AESI)


def test_teae_onset_on_day_30_is_treatment_emergent() -> None:
    result = flags(ae("2026-03-31T23:00"))[0]
    assert result.onset_day == 30
    assert result.teae is True
    assert result.teae_reason == (
        "day 30: onset within the TEAE window (through day 30 after infusion)"
    )


def test_teae_onset_on_day_31_is_not() -> None:
    result = flags(ae("2026-04-01T00:30"))[0]
    assert result.onset_day == 31
    assert result.teae is False


def test_teae_from_first_lymphodepletion_dose() -> None:
    assert flags(ae("2026-02-25T09:00"))[0].teae is True
    assert flags(ae("2026-02-25T08:59"))[0].teae is False


def test_teae_anchored_at_infusion_excludes_lymphodepletion_days() -> None:
    assert flags(ae("2026-02-27T12:00"), window=INFUSION_WINDOW)[0].teae is False
    assert flags(ae("2026-03-01T10:00"), window=INFUSION_WINDOW)[0].teae is True


def test_teae_pre_existing_ae_worsening_after_lymphodepletion() -> None:
    worsened = ae(
        "2026-02-20T08:00",
        grade=3,
        grade_course=[
            {"time": "2026-02-20T08:00", "grade": 1},
            {"time": "2026-03-03T08:00", "grade": 3},
        ],
    )
    result = flags(worsened)[0]
    assert result.teae is True
    assert result.teae_reason == (
        "day -9: pre-existing at grade 1 at the window start, worsened to grade 3 on "
        "2026-03-03T08:00:00"
    )


def test_teae_pre_existing_ae_not_worsening_is_not_treatment_emergent() -> None:
    stable = ae("2026-02-20T08:00", grade=1, resolution="2026-03-10T08:00")
    result = flags(stable)[0]
    assert result.teae is False
    assert result.teae_reason.endswith(
        "pre-existing (grade 1 at the window start) and not worsened in it"
    )


def test_teae_pre_existing_ae_worsening_before_lymphodepletion_is_not() -> None:
    early = ae(
        "2026-02-20T08:00",
        grade=3,
        grade_course=[
            {"time": "2026-02-20T08:00", "grade": 1},
            {"time": "2026-02-24T08:00", "grade": 3},
        ],
    )
    assert flags(early)[0].teae is False


def test_trae_needs_possible_or_more_relatedness_to_product() -> None:
    assert flags(ae("2026-03-02T08:00", related_product="possible"))[0].trae is True
    assert flags(ae("2026-03-02T08:00", related_product="unlikely"))[0].trae is False


def test_sae_by_seriousness_criteria() -> None:
    result = flags(ae("2026-03-02T08:00", serious=["hospitalisation"]))[0]
    assert (result.sae, result.sae_criteria) == (True, ["hospitalisation"])
    assert flags(ae("2026-03-02T08:00"))[0].sae is False


def test_aesi_from_protocol_list_by_term_and_alias() -> None:
    crs = ae("2026-03-02T08:00", term="CRS")
    assert flags(crs)[0].aesi == "immune effector cell toxicity"
    assert flags(crs)[0].term == "Cytokine release syndrome"
    assert flags(ae("2026-03-02T08:00"))[0].aesi is None


def test_aesi_infection_term_matches_infection_entry_when_serious() -> None:
    # "Serious or opportunistic infection": a serious lung infection is, a grade 2
    # non-serious one without an opportunistic organism is not (test_aesi_infection.py).
    serious = ae("2026-03-02T08:00", term="Lung infection", serious=["hospitalisation"])
    assert flags(serious)[0].aesi == "infection"
    assert flags(ae("2026-03-02T08:00", term="Lung infection"))[0].aesi is None


def test_aesi_soc_comes_from_ctcae_table() -> None:
    assert flags(ae("2026-03-02T08:00", term="Pleural effusion"))[0].soc == (
        "Respiratory, thoracic and mediastinal disorders"
    )


def test_derive_crs_ae_from_astct_grading_feeds_the_72_h_rule() -> None:
    from cartrial.safety.astct import grade_crs
    from cartrial.safety.astct_input import load_crs_file
    from cartrial.safety.events import derive_syndrome_ae

    record = load_crs_file(
        {
            "infusion": "2026-03-01T10:00",
            "observations": [
                {"kind": "temperature", "time": "2026-03-02T20:00", "celsius": 39.0},
                {"kind": "medication", "time": "2026-03-02T21:00", "agent": "paracetamol",
                 "category": "antipyretic"},
                {"kind": "blood_pressure", "time": "2026-03-03T08:00", "hypotension": True,
                 "vasopressors": [{"agent": "norepinephrine"}]},
                {"kind": "medication", "time": "2026-03-03T09:00", "agent": "tocilizumab",
                 "category": "tocilizumab"},
                {"kind": "blood_pressure", "time": "2026-03-06T09:00", "hypotension": True},
                {"kind": "blood_pressure", "time": "2026-03-07T09:00", "hypotension": False},
            ],
        }
    )  # fmt: skip
    graded = grade_crs(observations=record.observations, infusion=record.infusion)
    ae = derive_syndrome_ae(graded, ae_id="CRS-1")
    assert ae is not None
    assert ae.term == "Cytokine release syndrome"
    assert ae.grade == 3
    assert [(c.time.isoformat(), c.grade) for c in ae.course()] == [
        ("2026-03-02T20:00:00", 1),
        # Day 3 starts with no fever that day and no hypotension or hypoxia yet: grade 0
        # (fever is masked by the antipyretic, so hypotension at 08:00 counts).
        ("2026-03-03T00:00:00", 0),
        ("2026-03-03T08:00:00", 3),
        ("2026-03-06T09:00:00", 2),
        ("2026-03-07T09:00:00", 0),
    ]


CYTOPENIA_AESI = [Aesi(term="Prolonged cytopenia", category="haematotoxicity")]


def test_aesi_prolonged_cytopenia_grade3_not_resolved_by_day_30() -> None:
    anc = ae("2026-03-05T08:00", term="Neutrophil count decreased", grade=4,
             resolution="2026-04-01T08:00")  # fmt: skip
    result = classify_adverse_events(patient=patient(anc), window=LD_WINDOW, aesi=CYTOPENIA_AESI)
    assert result[0].aesi == "haematotoxicity"


def test_aesi_cytopenia_resolved_on_day_30_is_not_prolonged() -> None:
    anc = ae("2026-03-05T08:00", term="Neutrophil count decreased", grade=4,
             resolution="2026-03-31T08:00")  # fmt: skip
    result = classify_adverse_events(patient=patient(anc), window=LD_WINDOW, aesi=CYTOPENIA_AESI)
    assert result[0].aesi is None


def test_aesi_hlh_matches_iec_hs_entry() -> None:
    entry = [
        Aesi(term="IEC-associated HLH-like syndrome", category="immune effector cell toxicity")
    ]
    hlh = ae("2026-03-10T08:00", term="HLH", grade=3)
    result = classify_adverse_events(patient=patient(hlh), window=LD_WINDOW, aesi=entry)
    assert result[0].aesi == "immune effector cell toxicity"
