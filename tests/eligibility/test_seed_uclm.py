"""uclm802 (seed 001, NCT05783089): every criterion, with its thresholds at both sides.

Each case is a small literal change to ``tests/data/screening/uclm802-eligible.json``:
a man born 1964-11-02 (61 at consent 2026-03-10), 72 kg, labs of 2026-03-11 with
AST ULN 40 U/L, ALT ULN 50 U/L, TBIL ULN 21 umol/L, DBIL ULN 6.8 umol/L, INR ULN
1.15, APTT ULN 40 s, creatinine ULN 104 umol/L. Expected verdicts are worked by
hand from the seed's wording. Exclusion verdicts are from the subject's side:
``not_met`` means excluded.
"""

from __future__ import annotations

from typing import Any

import pytest

from cartrial.protocol.load import load_bundled

from .seedcases import assert_only_target_changes, screen_with, therapy

P = "uclm802"


def test_hand_written_eligible_record_meets_every_criterion() -> None:
    result = screen_with(P, {})
    assert result.decision == "eligible"
    assert {c.verdict for c in result.criteria} == {"met"}


def test_protocol_lists_the_seeds_9_inclusion_and_26_exclusion_criteria() -> None:
    eligibility = load_bundled(P).protocol.eligibility
    assert [c.id for c in eligibility.inclusion] == [f"inc{i:02d}" for i in range(1, 10)]
    assert [c.id for c in eligibility.exclusion] == [f"exc{i:02d}" for i in range(1, 27)]


# A woman of 40 (born 1985-06-15) for the Cockcroft-Gault cases.
WOMAN_40 = {"sex": "female", "birth_date": "1985-06-15"}
LIVER_METS = {"diagnosis.liver_metastases": True}
GILBERT = {"history.gilberts_syndrome": True}

CASES = [
    # inc01 ">= 18 years old (including cut-off value)"; no upper limit.
    pytest.param("inc01", {"birth_date": "2008-03-10"}, "met", id="inc01-18th-birthday-on-consent"),
    pytest.param("inc01", {"birth_date": "2008-03-11"}, "not_met", id="inc01-one-day-short-of-18"),
    pytest.param("inc01", {"birth_date": "1936-01-20"}, "met", id="inc01-90-no-upper-limit"),
    # inc02 histologically diagnosed solid malignancy refractory to / relapsing after standard tx.
    pytest.param(
        "inc02",
        {
            "diagnosis.tumour_type": "thymic_carcinoma",
            "diagnosis.standard_therapy_status": "refractory",
        },
        "met",
        id="inc02-refractory-thymic-carcinoma",
    ),
    pytest.param(
        "inc02",
        {"diagnosis.tumour_type": "cervical"},  # not in the seed list
        "met",
        id="inc02-tumour-list-is-open",
    ),
    pytest.param(
        "inc02",
        {"diagnosis.histologically_confirmed": False},
        "not_met",
        id="inc02-no-histology",
    ),
    pytest.param(
        "inc02",
        {"diagnosis.standard_therapy_status": "responding"},
        "not_met",
        id="inc02-still-responding",
    ),
    pytest.param(
        "inc02",
        {"diagnosis.standard_therapy_status": "not_received"},
        "not_met",
        id="inc02-no-standard-therapy",
    ),
    pytest.param(
        "inc02",
        {"diagnosis.standard_therapy_status": None},
        "needs_review",
        id="inc02-status-unknown",
    ),
    # inc03 at least one measurable lesion (RECIST v1.1).
    pytest.param(
        "inc03", {"diagnosis.measurable_disease_recist11": False}, "not_met", id="inc03-none"
    ),
    # inc04 mesothelin positive by IHC/ICC.
    pytest.param("inc04", {"msln.method": "ICC"}, "met", id="inc04-icc-positive"),
    pytest.param("inc04", {"msln.result": "negative"}, "not_met", id="inc04-negative"),
    pytest.param("inc04", {"msln.result": None}, "needs_review", id="inc04-not-tested"),
    # inc05 ECOG 0 or 1.
    pytest.param("inc05", {"ecog": 0}, "met", id="inc05-ecog-0"),
    pytest.param("inc05", {"ecog": 2}, "not_met", id="inc05-ecog-2"),
    pytest.param("inc05", {"ecog": None}, "needs_review", id="inc05-unknown"),
    # inc06 life expectancy >= 3 months.
    pytest.param("inc06", {"life_expectancy_months": "3"}, "met", id="inc06-3-months"),
    pytest.param("inc06", {"life_expectancy_months": "2.5"}, "not_met", id="inc06-2.5-months"),
    # inc07 adequate organ function --------------------------------------------------------
    # ANC >= 1.5 x10^9/L, no G-CSF within 7 days before the sample (2026-03-11).
    pytest.param("inc07", {"labs[anc]": {"value": "1.5"}}, "met", id="inc07-anc-1.5"),
    pytest.param("inc07", {"labs[anc]": {"value": "1.49"}}, "not_met", id="inc07-anc-1.49"),
    pytest.param(
        "inc07", {"labs[anc]": {"value": "1500", "unit": "/uL"}}, "met", id="inc07-anc-1500-uL"
    ),
    pytest.param(
        "inc07",
        {"labs[anc]": {"value": "1490", "unit": "cells/mm3"}},
        "not_met",
        id="inc07-anc-1490-mm3",
    ),
    pytest.param(
        "inc07",
        {"supportive_care.last_gcsf_date": "2026-03-05"},
        "needs_review",
        id="inc07-gcsf-6-days-before-anc",
    ),
    pytest.param(
        "inc07",
        {"supportive_care.last_gcsf_date": "2026-03-04"},
        "met",
        id="inc07-gcsf-7-days-before-anc",
    ),
    pytest.param(
        "inc07",
        {"supportive_care.last_gcsf_date": None},
        "needs_review",
        id="inc07-gcsf-not-asked",
    ),
    # ALC >= 0.5 x10^9/L.
    pytest.param("inc07", {"labs[alc]": {"value": "0.5"}}, "met", id="inc07-alc-0.5"),
    pytest.param("inc07", {"labs[alc]": {"value": "0.49"}}, "not_met", id="inc07-alc-0.49"),
    pytest.param(
        "inc07", {"labs[alc]": {"value": "500", "unit": "/mm3"}}, "met", id="inc07-alc-500-mm3"
    ),
    # HGB >= 80 g/L, no red-cell transfusion within 7 days.
    pytest.param("inc07", {"labs[hemoglobin]": {"value": "80"}}, "met", id="inc07-hgb-80-gL"),
    pytest.param("inc07", {"labs[hemoglobin]": {"value": "79"}}, "not_met", id="inc07-hgb-79-gL"),
    pytest.param(
        "inc07",
        {"labs[hemoglobin]": {"value": "8.0", "unit": "g/dL", "lln": "13", "uln": "17.5"}},
        "met",
        id="inc07-hgb-8.0-gdL",
    ),
    pytest.param(
        "inc07",
        {"labs[hemoglobin]": {"value": "7.9", "unit": "g/dL", "lln": "13", "uln": "17.5"}},
        "not_met",
        id="inc07-hgb-7.9-gdL",
    ),
    pytest.param(
        "inc07",
        {"supportive_care.last_rbc_transfusion_date": "2026-03-06"},
        "needs_review",
        id="inc07-rbc-transfusion-5-days-before-hgb",
    ),
    # PLT >= 75 x10^9/L, no platelet transfusion within 7 days.
    pytest.param("inc07", {"labs[platelets]": {"value": "75"}}, "met", id="inc07-plt-75"),
    pytest.param("inc07", {"labs[platelets]": {"value": "74"}}, "not_met", id="inc07-plt-74"),
    pytest.param(
        "inc07",
        {"labs[platelets]": {"value": "75000", "unit": "/uL"}},
        "met",
        id="inc07-plt-75000-uL",
    ),
    pytest.param(
        "inc07",
        {"labs[platelets]": {"value": "74000", "unit": "/mm3"}},
        "not_met",
        id="inc07-plt-74000-mm3",
    ),
    pytest.param(
        "inc07",
        {"supportive_care.last_platelet_transfusion_date": "2026-03-08"},
        "needs_review",
        id="inc07-platelet-transfusion-3-days-before",
    ),
    # AST <= 3.0 x ULN (40 U/L -> 120); <= 5 x ULN (200) with liver metastases.
    pytest.param("inc07", {"labs[ast]": {"value": "120"}}, "met", id="inc07-ast-3.0-uln"),
    pytest.param("inc07", {"labs[ast]": {"value": "121"}}, "not_met", id="inc07-ast-3.03-uln"),
    pytest.param(
        "inc07", {**LIVER_METS, "labs[ast]": {"value": "200"}}, "met", id="inc07-ast-5-uln-liver"
    ),
    pytest.param(
        "inc07",
        {**LIVER_METS, "labs[ast]": {"value": "201"}},
        "not_met",
        id="inc07-ast-5.03-uln-liver",
    ),
    pytest.param(
        "inc07",
        {"diagnosis.liver_metastases": None, "labs[ast]": {"value": "150"}},
        "needs_review",
        id="inc07-ast-3.75-uln-liver-status-unknown",
    ),
    pytest.param(
        "inc07",
        {"diagnosis.liver_metastases": None},
        "met",
        id="inc07-normal-ast-needs-no-liver-status",
    ),
    pytest.param("inc07", {"labs[ast]": {"uln": None}}, "needs_review", id="inc07-ast-no-uln"),
    # ALT <= 3.0 x ULN (50 U/L -> 150); <= 5 x ULN (250) with liver metastases.
    pytest.param("inc07", {"labs[alt]": {"value": "150"}}, "met", id="inc07-alt-3.0-uln"),
    pytest.param("inc07", {"labs[alt]": {"value": "151"}}, "not_met", id="inc07-alt-3.02-uln"),
    pytest.param(
        "inc07", {**LIVER_METS, "labs[alt]": {"value": "250"}}, "met", id="inc07-alt-5-uln-liver"
    ),
    pytest.param(
        "inc07",
        {**LIVER_METS, "labs[alt]": {"value": "251"}},
        "not_met",
        id="inc07-alt-5.02-uln-liver",
    ),
    # TBIL <= 1.5 x ULN (21 umol/L -> 31.5); <= 3.0 x ULN (63) with liver metastases;
    # Gilbert's: TBIL <= 3.0 x ULN and DBIL <= 1.5 x ULN (6.8 umol/L -> 10.2).
    pytest.param(
        "inc07", {"labs[total_bilirubin]": {"value": "31.5"}}, "met", id="inc07-tbil-1.5-uln"
    ),
    pytest.param(
        "inc07",
        {"labs[total_bilirubin]": {"value": "31.6"}},
        "not_met",
        id="inc07-tbil-1.505-uln",
    ),
    pytest.param(
        "inc07",
        {"labs[total_bilirubin]": {"value": "1.8", "unit": "mg/dL", "uln": "1.2"}},
        "met",
        id="inc07-tbil-1.8-mgdl-uln-1.2",
    ),
    pytest.param(
        "inc07",
        {"labs[total_bilirubin]": {"value": "1.81", "unit": "mg/dL", "uln": "1.2"}},
        "not_met",
        id="inc07-tbil-1.81-mgdl-uln-1.2",
    ),
    pytest.param(
        "inc07",
        {**LIVER_METS, "labs[total_bilirubin]": {"value": "63"}},
        "met",
        id="inc07-tbil-3.0-uln-liver",
    ),
    pytest.param(
        "inc07",
        {**LIVER_METS, "labs[total_bilirubin]": {"value": "63.1"}},
        "not_met",
        id="inc07-tbil-3.005-uln-liver",
    ),
    pytest.param(
        "inc07",
        {
            **GILBERT,
            "labs[total_bilirubin]": {"value": "63"},
            "labs[direct_bilirubin]": {"value": "10.2"},
        },
        "met",
        id="inc07-gilbert-tbil-3.0-dbil-1.5-uln",
    ),
    pytest.param(
        "inc07",
        {
            **GILBERT,
            "labs[total_bilirubin]": {"value": "63.1"},
            "labs[direct_bilirubin]": {"value": "10.2"},
        },
        "not_met",
        id="inc07-gilbert-tbil-3.005-uln",
    ),
    pytest.param(
        "inc07",
        {
            **GILBERT,
            "labs[total_bilirubin]": {"value": "63"},
            "labs[direct_bilirubin]": {"value": "10.3"},
        },
        "not_met",
        id="inc07-gilbert-dbil-1.51-uln",
    ),
    pytest.param(
        "inc07",
        # Gilbert's patients must have DBIL <= 1.5 x ULN even when TBIL is <= 1.5 x ULN.
        {
            **GILBERT,
            "labs[total_bilirubin]": {"value": "25"},
            "labs[direct_bilirubin]": {"value": "10.9"},
        },
        "not_met",
        id="inc07-gilbert-dbil-1.6-uln-with-tbil-1.19-uln",
    ),
    pytest.param(
        "inc07",
        {"labs[total_bilirubin]": {"value": "40"}, "labs[direct_bilirubin]": {"value": "5"}},
        "not_met",
        id="inc07-tbil-1.9-uln-without-gilbert",
    ),
    # INR and APTT <= 1.5 x ULN, except on therapeutic anticoagulation.
    pytest.param("inc07", {"labs[inr]": {"value": "1.725"}}, "met", id="inc07-inr-1.5-uln"),
    pytest.param("inc07", {"labs[inr]": {"value": "1.73"}}, "not_met", id="inc07-inr-1.504-uln"),
    pytest.param("inc07", {"labs[aptt]": {"value": "60"}}, "met", id="inc07-aptt-1.5-uln"),
    pytest.param("inc07", {"labs[aptt]": {"value": "60.1"}}, "not_met", id="inc07-aptt-1.5025-uln"),
    pytest.param(
        "inc07",
        {"history.on_therapeutic_anticoagulation": True, "labs[inr]": {"value": "2.6"}},
        "met",
        id="inc07-inr-2.3-uln-on-anticoagulant",
    ),
    pytest.param(
        "inc07",
        {"history.on_therapeutic_anticoagulation": True, "labs[aptt]": {"value": "75"}},
        "met",
        id="inc07-aptt-1.9-uln-on-anticoagulant",
    ),
    pytest.param(
        "inc07",
        {"history.on_therapeutic_anticoagulation": None, "labs[aptt]": {"value": "75"}},
        "needs_review",
        id="inc07-aptt-1.9-uln-anticoagulation-unknown",
    ),
    # Creatinine <= 1.5 x ULN (104 umol/L -> 156) OR creatinine clearance >= 60 mL/min.
    pytest.param("inc07", {"labs[creatinine]": {"value": "156"}}, "met", id="inc07-cr-1.5-uln"),
    pytest.param(
        "inc07",
        # 157 umol/L = 1.7756 mg/dL; CG (140-61) x 72 / (72 x 1.7756) = 44.5 mL/min < 60
        {"labs[creatinine]": {"value": "157"}},
        "not_met",
        id="inc07-cr-1.51-uln-and-cg-44.5",
    ),
    pytest.param(
        "inc07",
        {
            "labs[creatinine]": {"value": "157"},
            "labs[creatinine_clearance]": {"value": "60", "unit": "mL/min"},
        },
        "met",
        id="inc07-cr-1.51-uln-measured-crcl-60",
    ),
    pytest.param(
        "inc07",
        {
            "labs[creatinine]": {"value": "157"},
            "labs[creatinine_clearance]": {"value": "59", "unit": "mL/min"},
        },
        "not_met",
        id="inc07-cr-1.51-uln-measured-crcl-59",
    ),
    pytest.param(
        "inc07",
        # man of 40, 86.4 kg, 2.0 mg/dL (1.67 x ULN 1.2): CG 100 x 86.4 / (72 x 2.0) = 60.0
        {
            "birth_date": "1985-06-15",
            "weight_kg": "86.4",
            "labs[creatinine]": {"value": "2.0", "unit": "mg/dL", "uln": "1.2"},
        },
        "met",
        id="inc07-cg-exactly-60-man",
    ),
    pytest.param(
        "inc07",
        # the same in SI: 2.0 mg/dL x 88.42 = 176.84 umol/L (ULN 106): CG 60.0
        {
            "birth_date": "1985-06-15",
            "weight_kg": "86.4",
            "labs[creatinine]": {"value": "176.84", "unit": "umol/L", "uln": "106"},
        },
        "met",
        id="inc07-cg-exactly-60-man-umol",
    ),
    pytest.param(
        "inc07",
        # 86.3 kg: CG 100 x 86.3 / 144 = 59.93 < 60
        {
            "birth_date": "1985-06-15",
            "weight_kg": "86.3",
            "labs[creatinine]": {"value": "2.0", "unit": "mg/dL", "uln": "1.2"},
        },
        "not_met",
        id="inc07-cg-59.93-man",
    ),
    pytest.param(
        "inc07",
        # woman of 40, 86.4 kg, 1.7 mg/dL (1.55 x ULN 1.1): CG 100 x 86.4 / (72 x 1.7) x 0.85 = 60.0
        {
            **WOMAN_40,
            "weight_kg": "86.4",
            "labs[creatinine]": {"value": "1.7", "unit": "mg/dL", "uln": "1.1"},
        },
        "met",
        id="inc07-cg-exactly-60-woman",
    ),
    pytest.param(
        "inc07",
        # the same man's values would give 70.6; a woman's x 0.85 on 1.8 mg/dL: 56.7 < 60
        {
            **WOMAN_40,
            "weight_kg": "86.4",
            "labs[creatinine]": {"value": "1.8", "unit": "mg/dL", "uln": "1.1"},
        },
        "not_met",
        id="inc07-cg-56.7-woman",
    ),
    pytest.param(
        "inc07",
        {"labs[creatinine]": {"value": "160"}, "weight_kg": None},
        "needs_review",
        id="inc07-cr-high-and-cg-without-weight",
    ),
    # LVEF > 45%, SpO2 > 92% (strict).
    pytest.param("inc07", {"cardiac.lvef_percent": "45"}, "not_met", id="inc07-lvef-45"),
    pytest.param("inc07", {"cardiac.lvef_percent": "46"}, "met", id="inc07-lvef-46"),
    pytest.param("inc07", {"vitals.spo2_room_air_percent": "92"}, "not_met", id="inc07-spo2-92"),
    pytest.param("inc07", {"vitals.spo2_room_air_percent": "93"}, "met", id="inc07-spo2-93"),
    pytest.param(
        "inc07", {"vitals.spo2_room_air_percent": None}, "needs_review", id="inc07-no-spo2"
    ),
    # inc08 pregnancy test and contraception.
    pytest.param(
        "inc08",
        {
            "sex": "female",
            "reproductive.childbearing_potential": True,
            "reproductive.pregnancy_test": "negative",
        },
        "met",
        id="inc08-woman-childbearing-negative-test-contraception",
    ),
    pytest.param(
        "inc08",
        {
            "sex": "female",
            "reproductive.childbearing_potential": True,
            "reproductive.pregnancy_test": "negative",
            "reproductive.contraception_agreed": False,
        },
        "not_met",
        id="inc08-woman-childbearing-refuses-contraception",
    ),
    pytest.param(
        "inc08",
        {"sex": "female", "reproductive.contraception_agreed": False},
        "met",
        id="inc08-woman-without-childbearing-potential",
    ),
    pytest.param(
        "inc08",
        {"reproductive.contraception_agreed": False},
        "not_met",
        id="inc08-man-partner-childbearing-no-contraception",
    ),
    pytest.param(
        "inc08",
        {
            "reproductive.partner_childbearing_potential": False,
            "reproductive.contraception_agreed": False,
        },
        "met",
        id="inc08-man-partner-not-childbearing",
    ),
    pytest.param(
        "inc08",
        {"reproductive.contraception_agreed": None},
        "needs_review",
        id="inc08-man-contraception-not-asked",
    ),
    # inc09 consent signed and able to comply (investigator).
    pytest.param("inc09", {"informed_consent_signed": False}, "not_met", id="inc09-no-consent"),
    pytest.param(
        "inc09", {"investigator.able_to_comply": False}, "not_met", id="inc09-cannot-comply"
    ),
    pytest.param(
        "inc09", {"investigator.able_to_comply": None}, "needs_review", id="inc09-no-assessment"
    ),
    # exc01 washouts before consent (2026-03-10) --------------------------------------------
    # chemotherapy / antibodies / immunotherapy: 4 weeks or 5 half-lives, whichever is shorter.
    pytest.param(
        "exc01",
        {"prior_therapies+": therapy("cytotoxic_chemotherapy", "2026-02-10", "docetaxel")},
        "met",
        id="exc01-chemo-ended-28-days-before",
    ),
    pytest.param(
        "exc01",
        {"prior_therapies+": therapy("cytotoxic_chemotherapy", "2026-02-11", "docetaxel")},
        "needs_review",
        id="exc01-chemo-27-days-half-life-unknown",
    ),
    pytest.param(
        "exc01",
        # 5 x 1 day = 5 days < 4 weeks: the washout is 5 days
        {"prior_therapies+": therapy("cytotoxic_chemotherapy", "2026-03-05", "docetaxel", "1")},
        "met",
        id="exc01-chemo-5-days-equals-5-half-lives",
    ),
    pytest.param(
        "exc01",
        {"prior_therapies+": therapy("cytotoxic_chemotherapy", "2026-03-06", "docetaxel", "1")},
        "not_met",
        id="exc01-chemo-4-days-within-5-half-lives",
    ),
    pytest.param(
        "exc01",
        # 5 x 10 days = 50 days > 4 weeks: the washout is 28 days
        {"prior_therapies+": therapy("monoclonal_antibody", "2026-02-10", "bevacizumab", "10")},
        "met",
        id="exc01-antibody-28-days-shorter-than-5-half-lives",
    ),
    pytest.param(
        "exc01",
        {"prior_therapies+": therapy("monoclonal_antibody", "2026-02-11", "bevacizumab", "10")},
        "not_met",
        id="exc01-antibody-27-days",
    ),
    pytest.param(
        "exc01",
        {"prior_therapies+": therapy("immune_checkpoint_inhibitor", None, "pembrolizumab", "26")},
        "not_met",
        id="exc01-ongoing-immunotherapy",
    ),
    # glucocorticoids >= 10 mg/day prednisone-equivalent or immunosuppressants: 2 weeks.
    pytest.param(
        "exc01",
        {
            "prior_therapies+": therapy(
                "systemic_glucocorticoid", "2026-02-25", "prednisone", None, "10"
            )
        },
        "not_met",
        id="exc01-prednisone-10mg-13-days-before",
    ),
    pytest.param(
        "exc01",
        {
            "prior_therapies+": therapy(
                "systemic_glucocorticoid", "2026-02-24", "prednisone", None, "10"
            )
        },
        "met",
        id="exc01-prednisone-10mg-14-days-before",
    ),
    pytest.param(
        "exc01",
        {
            "prior_therapies+": therapy(
                "systemic_glucocorticoid", "2026-03-09", "prednisone", None, "7.5"
            )
        },
        "met",
        id="exc01-prednisone-7.5mg-yesterday",
    ),
    pytest.param(
        "exc01",
        # dexamethasone 1.5 mg = prednisone 10 mg
        {"prior_therapies+": therapy("systemic_glucocorticoid", None, "dexamethasone", None, "10")},
        "not_met",
        id="exc01-ongoing-dexamethasone-10mg-pred-eq",
    ),
    pytest.param(
        "exc01",
        {"prior_therapies+": therapy("systemic_glucocorticoid", "2026-03-01", "prednisone")},
        "needs_review",
        id="exc01-recent-steroid-dose-unknown",
    ),
    pytest.param(
        "exc01",
        {"prior_therapies+": therapy("immunosuppressant", "2026-03-01", "tacrolimus")},
        "not_met",
        id="exc01-immunosuppressant-9-days-before",
    ),
    # targeted biologic / small molecule: 1 week or 5 half-lives, whichever is shorter.
    pytest.param(
        "exc01",
        # 5 x 0.5 day = 2.5 days; ended 3 days before
        {"prior_therapies+": therapy("small_molecule_targeted", "2026-03-07", "anlotinib", "0.5")},
        "met",
        id="exc01-tki-3-days-after-2.5-day-washout",
    ),
    pytest.param(
        "exc01",
        {"prior_therapies+": therapy("small_molecule_targeted", "2026-03-08", "anlotinib", "0.5")},
        "not_met",
        id="exc01-tki-2-days-within-2.5-day-washout",
    ),
    pytest.param(
        "exc01",
        # 5 x 2 days = 10 days > 1 week: the washout is 7 days
        {"prior_therapies+": therapy("small_molecule_targeted", "2026-03-03", "osimertinib", "2")},
        "met",
        id="exc01-tki-7-days-shorter-than-5-half-lives",
    ),
    pytest.param(
        "exc01",
        {"prior_therapies+": therapy("small_molecule_targeted", "2026-03-04", "osimertinib", "2")},
        "not_met",
        id="exc01-tki-6-days",
    ),
    # Chinese herbal / patent medicine with anti-tumour indication: 1 week.
    pytest.param(
        "exc01",
        {"prior_therapies+": therapy("chinese_herbal_antitumour", "2026-03-03", "Kanglaite")},
        "met",
        id="exc01-herbal-7-days-before",
    ),
    pytest.param(
        "exc01",
        {"prior_therapies+": therapy("chinese_herbal_antitumour", "2026-03-04", "Kanglaite")},
        "not_met",
        id="exc01-herbal-6-days-before",
    ),
    # exc02 pregnant or lactating women.
    pytest.param(
        "exc02",
        {"sex": "female", "reproductive.pregnant": True},
        "not_met",
        id="exc02-pregnant",
    ),
    pytest.param(
        "exc02",
        {"sex": "female", "reproductive.breastfeeding": True},
        "not_met",
        id="exc02-lactating",
    ),
    pytest.param(
        "exc02",
        {"sex": "female", "reproductive.breastfeeding": None},
        "needs_review",
        id="exc02-woman-lactation-unknown",
    ),
    pytest.param(
        "exc02", {"reproductive.breastfeeding": None}, "met", id="exc02-man-cannot-be-pregnant"
    ),
    # exc03 HBsAg+; HBcAb+ with HBV DNA detectable; HCV Ab+ with HCV RNA detectable; HIV; syphilis.
    pytest.param("exc03", {"serology.hbsag": "positive"}, "not_met", id="exc03-hbsag"),
    pytest.param(
        "exc03", {"serology.hbv_dna": "detectable"}, "not_met", id="exc03-hbcab-and-hbv-dna"
    ),
    pytest.param(
        "exc03", {"serology.hbv_dna": None}, "needs_review", id="exc03-hbcab-dna-not-measured"
    ),
    pytest.param(
        "exc03",
        {"serology.hbcab": "negative", "serology.hbv_dna": None},
        "met",
        id="exc03-hbcab-negative-no-dna-needed",
    ),
    pytest.param(
        "exc03",
        {"serology.hcv_ab": "positive", "serology.hcv_rna": "detectable"},
        "not_met",
        id="exc03-hcv-viraemic",
    ),
    pytest.param(
        "exc03",
        {"serology.hcv_ab": "positive", "serology.hcv_rna": "undetectable"},
        "met",
        id="exc03-hcv-antibody-cleared",
    ),
    pytest.param("exc03", {"serology.hiv_ab": "positive"}, "not_met", id="exc03-hiv"),
    pytest.param("exc03", {"serology.syphilis": "positive"}, "not_met", id="exc03-syphilis"),
    # exc04 prior-therapy toxicity not recovered to grade 1.
    pytest.param(
        "exc04", {"history.prior_toxicity_above_grade1": True}, "not_met", id="exc04-toxicity"
    ),
    pytest.param(
        "exc04",
        {"history.prior_toxicity_above_grade1": None},
        "needs_review",
        id="exc04-unknown",
    ),
    # exc05 allogeneic transplant needing immunosuppression.
    pytest.param(
        "exc05",
        {"history.allogeneic_transplant_requiring_immunosuppression": True},
        "not_met",
        id="exc05-allograft",
    ),
    # exc06 prior anti-mesothelin CAR-T (only).
    pytest.param(
        "exc06",
        {"prior_therapies+": therapy("anti_msln_car_t", "2024-05-06")},
        "not_met",
        id="exc06-prior-msln-car-t",
    ),
    pytest.param(
        "exc06",
        {"prior_therapies+": therapy("car_t", "2023-05-06", "CLDN18.2 CAR-T")},
        "met",
        id="exc06-other-car-t-allowed",
    ),
    # exc07 major surgery within 4 weeks, unrecovered severe trauma, or major surgery planned.
    pytest.param(
        "exc07", {"history.major_surgery_date": "2026-02-10"}, "met", id="exc07-surgery-28-days"
    ),
    pytest.param(
        "exc07",
        {"history.major_surgery_date": "2026-02-11"},
        "not_met",
        id="exc07-surgery-27-days",
    ),
    pytest.param(
        "exc07", {"history.unrecovered_trauma": True}, "not_met", id="exc07-unrecovered-trauma"
    ),
    pytest.param(
        "exc07",
        {"history.major_surgery_planned_within_12_weeks": True},
        "not_met",
        id="exc07-surgery-planned",
    ),
    # exc08 known CNS metastases unless asymptomatic or stable.
    pytest.param("exc08", {"diagnosis.cns_metastases": "active"}, "not_met", id="exc08-active"),
    pytest.param(
        "exc08", {"diagnosis.cns_metastases": "asymptomatic"}, "met", id="exc08-asymptomatic"
    ),
    pytest.param("exc08", {"diagnosis.cns_metastases": "stable"}, "met", id="exc08-stable"),
    pytest.param("exc08", {"diagnosis.cns_metastases": None}, "needs_review", id="exc08-unknown"),
    # exc09 clinically significant systemic disease (investigator).
    pytest.param(
        "exc09",
        {"investigator.clinically_significant_systemic_disease": True},
        "not_met",
        id="exc09-systemic-disease",
    ),
    pytest.param(
        "exc09",
        {"investigator.clinically_significant_systemic_disease": None},
        "needs_review",
        id="exc09-no-assessment",
    ),
    # exc10 uncontrolled severe active infection.
    pytest.param(
        "exc10", {"history.uncontrolled_active_infection": True}, "not_met", id="exc10-sepsis"
    ),
    # exc11 heart failure NYHA > 1.
    pytest.param("exc11", {"cardiac.nyha_class": 2}, "not_met", id="exc11-nyha-II"),
    pytest.param("exc11", {"cardiac.nyha_class": None}, "needs_review", id="exc11-unknown"),
    # exc12 severe aortic stenosis, symptomatic mitral stenosis.
    pytest.param(
        "exc12",
        {"cardiac.significant_aortic_stenosis": True},
        "not_met",
        id="exc12-aortic-stenosis",
    ),
    pytest.param(
        "exc12",
        {"cardiac.symptomatic_mitral_stenosis": True},
        "not_met",
        id="exc12-mitral-stenosis",
    ),
    # exc13 QTc > 450 ms, or > 480 ms with bundle-branch block.
    pytest.param("exc13", {"cardiac.qtc_ms": 450}, "met", id="exc13-qtc-450"),
    pytest.param("exc13", {"cardiac.qtc_ms": 451}, "not_met", id="exc13-qtc-451"),
    pytest.param(
        "exc13",
        {"cardiac.qtc_ms": 480, "cardiac.bundle_branch_block": True},
        "met",
        id="exc13-qtc-480-with-bbb",
    ),
    pytest.param(
        "exc13",
        {"cardiac.qtc_ms": 481, "cardiac.bundle_branch_block": True},
        "not_met",
        id="exc13-qtc-481-with-bbb",
    ),
    pytest.param(
        "exc13",
        {"cardiac.qtc_ms": 465, "cardiac.bundle_branch_block": None},
        "needs_review",
        id="exc13-qtc-465-bbb-unknown",
    ),
    pytest.param("exc13", {"cardiac.qtc_ms": None}, "needs_review", id="exc13-no-ecg"),
    # exc14 uncontrolled arrhythmia within 6 months before consent (window after 2025-09-10).
    pytest.param(
        "exc14",
        {"cardiac.events+": {"type": "uncontrolled_arrhythmia", "date": "2025-09-10"}},
        "met",
        id="exc14-arrhythmia-exactly-6-months",
    ),
    pytest.param(
        "exc14",
        {"cardiac.events+": {"type": "uncontrolled_arrhythmia", "date": "2025-09-11"}},
        "not_met",
        id="exc14-arrhythmia-6-months-less-a-day",
    ),
    # exc15 acute coronary syndrome within 6 months before consent.
    pytest.param(
        "exc15",
        {"cardiac.events+": {"type": "myocardial_infarction", "date": "2025-09-11"}},
        "not_met",
        id="exc15-mi-within-6-months",
    ),
    pytest.param(
        "exc15",
        {"cardiac.events+": {"type": "unstable_angina", "date": "2025-09-10"}},
        "met",
        id="exc15-angina-exactly-6-months",
    ),
    # exc16 uncontrolled hypertension (>= 160 and/or >= 100 mmHg) or pulmonary hypertension.
    pytest.param("exc16", {"vitals.systolic_bp_mmhg": 160}, "not_met", id="exc16-sbp-160"),
    pytest.param("exc16", {"vitals.systolic_bp_mmhg": 159}, "met", id="exc16-sbp-159"),
    pytest.param("exc16", {"vitals.diastolic_bp_mmhg": 100}, "not_met", id="exc16-dbp-100"),
    pytest.param("exc16", {"vitals.diastolic_bp_mmhg": 99}, "met", id="exc16-dbp-99"),
    pytest.param(
        "exc16",
        {"cardiac.pulmonary_hypertension": True},
        "not_met",
        id="exc16-pulmonary-hypertension",
    ),
    pytest.param(
        "exc16", {"vitals.systolic_bp_mmhg": None}, "needs_review", id="exc16-sbp-not-measured"
    ),
    # exc17 cerebrovascular accident within 6 months before consent.
    pytest.param(
        "exc17",
        {"history.cerebrovascular_accident_date": "2025-09-10"},
        "met",
        id="exc17-tia-exactly-6-months",
    ),
    pytest.param(
        "exc17",
        {"history.cerebrovascular_accident_date": "2025-09-11"},
        "not_met",
        id="exc17-stroke-6-months-less-a-day",
    ),
    pytest.param(
        "exc17",
        {"history.cerebrovascular_accident_date": None},
        "needs_review",
        id="exc17-not-asked",
    ),
    # exc18 active/chronic autoimmune disease, or recurrent within 1 year before consent.
    pytest.param(
        "exc18", {"history.autoimmune_disease_active": True}, "not_met", id="exc18-active-sle"
    ),
    pytest.param(
        "exc18",
        {"history.autoimmune_disease_last_active": "2025-03-10"},
        "met",
        id="exc18-flare-exactly-1-year-before",
    ),
    pytest.param(
        "exc18",
        {"history.autoimmune_disease_last_active": "2025-03-11"},
        "not_met",
        id="exc18-flare-1-year-less-a-day",
    ),
    # exc19 primary or secondary immunodeficiency.
    pytest.param("exc19", {"history.immunodeficiency": True}, "not_met", id="exc19-immunodef"),
    # exc20 risk of variceal bleeding (investigator).
    pytest.param("exc20", {"history.variceal_bleeding_risk": True}, "not_met", id="exc20-varices"),
    pytest.param(
        "exc20", {"history.variceal_bleeding_risk": None}, "needs_review", id="exc20-no-assessment"
    ),
    # exc21 severe hypersensitivity to fludarabine, cyclophosphamide, DMSO, dextran, HSA.
    pytest.param(
        "exc21",
        {"history.severe_hypersensitivity_to_study_drugs": True},
        "not_met",
        id="exc21-dmso-anaphylaxis",
    ),
    # exc22 attenuated vaccine within 4 weeks before consent (window after 2026-02-10).
    pytest.param(
        "exc22", {"history.live_vaccine_date": "2026-02-10"}, "met", id="exc22-vaccine-28-days"
    ),
    pytest.param(
        "exc22",
        {"history.live_vaccine_date": "2026-02-11"},
        "not_met",
        id="exc22-vaccine-27-days",
    ),
    # exc23 another clinical trial within 4 weeks before consent.
    pytest.param(
        "exc23", {"history.other_trial_last_date": "2026-02-10"}, "met", id="exc23-trial-28-days"
    ),
    pytest.param(
        "exc23",
        {"history.other_trial_last_date": "2026-02-11"},
        "not_met",
        id="exc23-trial-27-days",
    ),
    # exc24 another malignancy within 5 years (window after 2021-03-10), except the listed ones.
    pytest.param(
        "exc24",
        {
            "history.prior_malignancies+": {
                "type": "colorectal adenocarcinoma",
                "diagnosis_date": "2021-03-10",
                "excepted_category": False,
            }
        },
        "met",
        id="exc24-cancer-exactly-5-years-before",
    ),
    pytest.param(
        "exc24",
        {
            "history.prior_malignancies+": {
                "type": "colorectal adenocarcinoma",
                "diagnosis_date": "2021-03-11",
                "excepted_category": False,
            }
        },
        "not_met",
        id="exc24-cancer-5-years-less-a-day",
    ),
    pytest.param(
        "exc24",
        {
            "history.prior_malignancies+": {
                "type": "basal cell carcinoma, excised",
                "diagnosis_date": "2024-06-01",
                "excepted_category": True,
            }
        },
        "met",
        id="exc24-treated-basal-cell-excepted",
    ),
    pytest.param(
        "exc24", {"history.prior_malignancies": None}, "needs_review", id="exc24-not-asked"
    ),
    # exc25 neuropsychiatric disease incl. epilepsy, drug and alcohol addiction.
    pytest.param("exc25", {"history.epilepsy": True}, "not_met", id="exc25-epilepsy"),
    pytest.param(
        "exc25", {"history.neuropsychiatric_disorder": True}, "not_met", id="exc25-schizophrenia"
    ),
    pytest.param(
        "exc25", {"history.alcohol_or_drug_abuse": True}, "not_met", id="exc25-alcohol-addiction"
    ),
    # exc26 not suitable in the investigator's opinion.
    pytest.param(
        "exc26",
        {"investigator.unsuitable_for_other_reasons": True},
        "not_met",
        id="exc26-investigator-unsuitable",
    ),
    pytest.param(
        "exc26",
        {"investigator.unsuitable_for_other_reasons": None},
        "needs_review",
        id="exc26-no-assessment",
    ),
]


@pytest.mark.parametrize(("criterion", "change", "expected"), CASES)
def test_uclm_criterion_verdict_as_seed_words_it(
    criterion: str, change: dict[str, Any], expected: str
) -> None:
    assert_only_target_changes(P, criterion, change, expected)


def test_uclm_missing_birth_date_needs_review_for_age_only_when_creatinine_is_normal() -> None:
    # creatinine 84 umol/L <= 1.5 x ULN settles inc07 without Cockcroft-Gault
    assert_only_target_changes(P, "inc01", {"birth_date": None}, "needs_review")


def test_uclm_missing_birth_date_with_high_creatinine_needs_review_for_both() -> None:
    assert_only_target_changes(
        P,
        "inc01",
        {"birth_date": None, "labs[creatinine]": {"value": "160"}},
        "needs_review",
        {"inc07": "needs_review"},
    )


def test_uclm_positive_pregnancy_test_fails_inclusion_8_and_exclusion_2() -> None:
    change = {
        "sex": "female",
        "reproductive.childbearing_potential": True,
        "reproductive.pregnancy_test": "positive",
    }
    assert_only_target_changes(P, "inc08", change, "not_met", {"exc02": "not_met"})


def test_every_uclm_criterion_has_a_not_met_case_besides_the_eligible_record() -> None:
    eligibility = load_bundled(P).protocol.eligibility
    ids = {c.id for c in [*eligibility.inclusion, *eligibility.exclusion]}
    not_met = {case.values[0] for case in CASES if case.values[2] == "not_met"}
    assert not_met == ids  # each is met by the eligible record (first test)


def test_uclm_woman_of_childbearing_potential_without_test_result_needs_review() -> None:
    change = {
        "sex": "female",
        "reproductive.childbearing_potential": True,
        "reproductive.pregnancy_test": None,
    }
    # exclusion 2 also reads the test (a positive test counts as pregnant)
    assert_only_target_changes(P, "inc08", change, "needs_review", {"exc02": "needs_review"})


def test_uclm_cardiac_history_not_taken_needs_review_for_arrhythmia_and_acs() -> None:
    change = {"cardiac.events": None}
    assert_only_target_changes(P, "exc15", change, "needs_review", {"exc14": "needs_review"})
