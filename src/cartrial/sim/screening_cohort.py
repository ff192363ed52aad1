"""A reproducible synthetic screening cohort of advanced solid-tumour patients.

The records look like what a site enters at screening for a mesothelin CAR-T
trial: mostly patients who would qualify, with the failures real screening logs
show (cytopenias after prior chemotherapy, raised liver tests with liver
metastases, a washout not yet complete, poor performance status, MSLN-negative
tumours, positive hepatitis B serology), a share of records still missing an
item or the investigator's assessment, and laboratory values written in
conventional or SI units at random. The same seed gives the same cohort.

The distributions are illustrative, not fitted to any data set; the cohort
exercises the engines, it does not estimate screen-failure rates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from cartrial.eligibility.record import ScreeningRecord

__all__ = ["generate_screening_cohort"]

_TUMOURS = [
    ("mesothelioma", 0.22),
    ("pancreatic", 0.2),
    ("ovarian", 0.18),
    ("gastric", 0.1),
    ("esophageal", 0.08),
    ("lung", 0.08),
    ("biliary_tract", 0.06),
    ("colorectal", 0.05),
    ("endometrial", 0.03),
]
_FIRST_CONSENT = dt.date(2026, 1, 5)


def _pick(rng: np.random.Generator, options: list[tuple[str, float]]) -> str:
    names, weights = zip(*options, strict=True)
    probs = np.array(weights) / sum(weights)
    return str(rng.choice(names, p=probs))


def _round(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


def _lab(test: str, value: float, unit: str, digits: int, **limits: float) -> dict[str, Any]:
    lab: dict[str, Any] = {"test": test, "value": _round(value, digits), "unit": unit}
    for key, limit in limits.items():
        lab[key] = _round(limit, digits if key != "uln" or digits else 0)
    return lab


def _labs(
    rng: np.random.Generator, date: dt.date, liver_mets: bool, poor_marrow: bool
) -> list[dict[str, Any]]:
    si = bool(rng.random() < 0.4)  # 40 % of sites report bilirubin/creatinine in umol/L
    per_ul = bool(rng.random() < 0.3)  # 30 % report counts per uL
    marrow = 0.45 if poor_marrow else 1.0
    anc = max(0.05, rng.normal(3.2, 1.0) * marrow)
    alc = max(0.05, rng.normal(1.2, 0.4) * marrow)
    wbc = anc + alc + max(0.1, rng.normal(0.6, 0.2))
    plt = max(5.0, rng.normal(210, 60) * marrow)
    hgb = max(50.0, rng.normal(112, 14))
    liver = 2.2 if liver_mets else 1.0
    alt = max(5.0, rng.lognormal(np.log(28 * liver), 0.45))
    ast = max(5.0, rng.lognormal(np.log(30 * liver), 0.45))
    tbil_mg = max(0.1, rng.lognormal(np.log(0.7 * (1.6 if liver_mets else 1)), 0.35))
    creat_mg = max(0.3, rng.lognormal(np.log(0.9), 0.25))
    labs = []
    for test, value in (("wbc", wbc), ("anc", anc), ("alc", alc), ("platelets", plt)):
        if per_ul:
            labs.append(_lab(test, value * 1000, "/uL", 0))
        else:
            labs.append(_lab(test, value, "x10^9/L", 2))
    labs.append(
        _lab("hemoglobin", hgb / 10, "g/dL", 1)
        if rng.random() < 0.5
        else _lab("hemoglobin", hgb, "g/L", 0)
    )
    labs.append(_lab("alt", alt, "U/L", 0, uln=40))
    labs.append(_lab("ast", ast, "U/L", 0, uln=40))
    if si:
        labs.append(_lab("total_bilirubin", tbil_mg * 17.104, "umol/L", 1, uln=20.5))
        labs.append(_lab("direct_bilirubin", tbil_mg * 0.3 * 17.104, "umol/L", 1, uln=6.8))
        labs.append(_lab("creatinine", creat_mg * 88.42, "umol/L", 0, uln=106))
    else:
        labs.append(_lab("total_bilirubin", tbil_mg, "mg/dL", 2, uln=1.2))
        labs.append(_lab("direct_bilirubin", tbil_mg * 0.3, "mg/dL", 2, uln=0.4))
        labs.append(_lab("creatinine", creat_mg, "mg/dL", 2, uln=1.2))
    labs.append(_lab("inr", max(0.8, rng.normal(1.05, 0.12)), "ratio", 2, uln=1.2))
    labs.append(_lab("aptt", max(20.0, rng.normal(31, 4)), "s", 1, uln=40))
    for lab in labs:
        lab["date"] = date.isoformat()
    return labs


def _prior_therapies(rng: np.random.Generator, consent: dt.date) -> list[dict[str, Any]]:
    recent = bool(rng.random() < 0.12)  # a washout not complete at consent
    chemo_end = consent - dt.timedelta(
        days=int(rng.integers(10, 27) if recent else rng.integers(35, 240))
    )
    therapies: list[dict[str, Any]] = [
        {
            "therapy_class": "cytotoxic_chemotherapy",
            "agent": str(rng.choice(["carboplatin", "gemcitabine", "oxaliplatin", "pemetrexed"])),
            "start_date": (chemo_end - dt.timedelta(days=120)).isoformat(),
            "end_date": chemo_end.isoformat(),
        }
    ]
    if rng.random() < 0.35:
        end = consent - dt.timedelta(days=int(rng.integers(20, 200)))
        therapies.append(
            {
                "therapy_class": "immune_checkpoint_inhibitor",
                "agent": "pembrolizumab",
                "start_date": (end - dt.timedelta(days=90)).isoformat(),
                "end_date": end.isoformat(),
                "half_life_days": "22",
            }
        )
    if rng.random() < 0.03:
        therapies.append(
            {"therapy_class": "car_t", "agent": "investigational CAR-T", "end_date": "2025-06-01"}
        )
    return therapies


def _record(rng: np.random.Generator, index: int) -> dict[str, Any]:
    consent = _FIRST_CONSENT + dt.timedelta(days=int(rng.integers(0, 300)))
    age = int(rng.integers(24, 81))
    birth = consent - dt.timedelta(days=int(age * 365.25 + rng.integers(0, 364)))
    sex = "female" if rng.random() < 0.55 else "male"
    liver_mets = bool(rng.random() < 0.25)
    poor_marrow = bool(rng.random() < 0.1)
    weight = rng.normal(62 if sex == "female" else 72, 11)
    height = rng.normal(160 if sex == "female" else 172, 7)
    tumour = _pick(rng, _TUMOURS)
    lab_date = consent + dt.timedelta(days=int(rng.integers(0, 5)))
    childbearing = sex == "female" and age < 50
    record: dict[str, Any] = {
        "subject_id": f"SYN-{index:03d}",
        "consent_date": consent.isoformat(),
        "informed_consent_signed": True,
        "birth_date": birth.isoformat(),
        "sex": sex,
        "weight_kg": _round(max(38.0, weight), 1),
        "height_cm": _round(max(140.0, height), 0),
        "diagnosis": {
            "tumour_type": tumour,
            "histologically_confirmed": bool(rng.random() < 0.97),
            "ajcc8_stage": _pick(
                rng,
                [
                    ("IIIB", 0.15),
                    ("IIIC", 0.1),
                    ("IV", 0.45),
                    ("IVA", 0.1),
                    ("IVB", 0.15),
                    ("II", 0.05),
                ],
            ),
            "resectable": False,
            "extent": _pick(
                rng, [("metastatic", 0.7), ("locally_advanced", 0.2), ("recurrent", 0.1)]
            ),
            "liver_metastases": liver_mets,
            "cns_metastases": _pick(rng, [("none", 0.93), ("stable", 0.04), ("active", 0.03)]),
            "peritoneal_carcinomatosis": bool(
                rng.random() < (0.6 if tumour in ("gastric", "ovarian") else 0.15)
            ),
            "measurable_disease_recist11": bool(rng.random() < 0.93),
            "standard_therapy_status": _pick(
                rng,
                [
                    ("refractory", 0.45),
                    ("relapsed", 0.4),
                    ("intolerant", 0.1),
                    ("responding", 0.05),
                ],
            ),
        },
        "msln": {"result": "positive" if rng.random() < 0.85 else "negative", "method": "IHC"},
        "prior_therapies": _prior_therapies(rng, consent),
        "ecog": int(rng.choice([0, 1, 2, 3], p=[0.35, 0.45, 0.15, 0.05])),
        "life_expectancy_months": str(
            int(rng.choice([2, 3, 4, 6, 9, 12], p=[0.05, 0.15, 0.2, 0.3, 0.2, 0.1]))
        ),
        "labs": _labs(rng, lab_date, liver_mets, poor_marrow),
        "cardiac": {
            "lvef_percent": _round(rng.normal(61, 6), 0),
            "nyha_class": int(rng.choice([1, 2], p=[0.92, 0.08])),
            "qtc_ms": int(rng.normal(425, 18)),
            "bundle_branch_block": bool(rng.random() < 0.04),
            "significant_aortic_stenosis": False,
            "symptomatic_mitral_stenosis": False,
            "pulmonary_hypertension": False,
            "events": [],
        },
        "vitals": {
            "spo2_room_air_percent": _round(min(100.0, rng.normal(96.5, 1.8)), 0),
            "systolic_bp_mmhg": int(rng.normal(128, 14)),
            "diastolic_bp_mmhg": int(rng.normal(78, 9)),
            "on_antihypertensive_treatment": bool(rng.random() < 0.3),
        },
        "serology": {
            "hiv_ab": "negative",
            "hbsag": "positive" if rng.random() < 0.04 else "negative",
            "hbcab": "positive" if rng.random() < 0.15 else "negative",
            "hbv_dna": "undetectable",
            "hcv_ab": "negative",
            "hcv_rna": "undetectable",
            "syphilis": "negative",
        },
        "reproductive": {
            "childbearing_potential": childbearing,
            "pregnancy_test": "negative" if childbearing else "not_done",
            "pregnant": False,
            "breastfeeding": False,
            "planning_pregnancy": False,
            "contraception_agreed": True,
            "partner_childbearing_potential": sex == "male" and age < 60,
        },
        "history": _history(rng),
        "supportive_care": {
            "last_gcsf_date": "never",
            "last_rbc_transfusion_date": "never",
            "last_platelet_transfusion_date": "never",
        },
        "investigator": {
            "leukapheresis_contraindicated": False,
            "curative_treatment_suitable": False,
            "refuses_surgical_resection": False,
            "clinically_significant_systemic_disease": False,
            "unsuitable_for_other_reasons": False,
            "able_to_comply": True,
        },
    }
    if rng.random() < 0.1:  # the investigator has not yet signed off the judgement items
        record["investigator"] = {}
    if rng.random() < 0.05:  # a screening item not yet collected
        record["serology"].pop("hcv_ab")
    return record


def _history(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "allergy_to_product_components": False,
        "severe_hypersensitivity_to_study_drugs": False,
        "autoimmune_disease_active": bool(rng.random() < 0.02),
        "autoimmune_disease_last_active": "never",
        "autoimmune_disease_present": bool(rng.random() < 0.03),
        "requires_immunosuppressive_therapy": False,
        "immunodeficiency": False,
        "traumatic_brain_injury": False,
        "disturbance_of_consciousness": False,
        "epilepsy": bool(rng.random() < 0.01),
        "severe_cerebrovascular_disease": False,
        "cerebrovascular_accident_date": "never",
        "neuropsychiatric_disorder": bool(rng.random() < 0.02),
        "alcohol_or_drug_abuse": False,
        "uncontrolled_active_infection": bool(rng.random() < 0.03),
        "allogeneic_transplant_requiring_immunosuppression": False,
        "live_vaccine_date": "never",
        "other_trial_last_date": "never",
        "prior_malignancies": [],
        "major_surgery_date": "never",
        "unrecovered_trauma": False,
        "major_surgery_planned_within_12_weeks": False,
        "prior_toxicity_above_grade1": bool(rng.random() < 0.05),
        "gilberts_syndrome": False,
        "variceal_bleeding_risk": False,
        "on_therapeutic_anticoagulation": bool(rng.random() < 0.05),
    }


def generate_screening_cohort(n: int, *, rng: np.random.Generator) -> list[ScreeningRecord]:
    """``n`` validated synthetic screening records drawn with ``rng``."""
    return [ScreeningRecord.model_validate(_record(rng, i + 1)) for i in range(n)]
