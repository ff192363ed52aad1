"""The screening record of one virtual patient, refused (or not) for its latent reason.

A patient whose latent ``screen_failure`` is ``""`` gets a record that the
protocol's own criteria accept (:func:`cartrial.eligibility.screen.screen_subject`
decides ``eligible``; for a protocol whose eligibility list is incomplete in its
source, nothing is ``not_met`` and only the protocol's review items remain). A
patient with a reason gets a record that differs from a passing one in that
item only, so the criterion that refuses it is the protocol's criterion for
that reason; where the protocol has no such criterion the record passes:

- ``msln_negative``: MSLN IHC negative;
- ``ecog``: ECOG one above the protocol's limit (the latent value when it is higher);
- ``anc_low``, ``platelets_low``, ``hemoglobin_low``: the count below the
  protocol's lowest acceptable value (read from its laboratory criteria);
- ``creatinine_high``, ``liver_tests_high`` (ALT and AST): above the protocol's
  highest acceptable value, with liver-metastasis alternatives counted; a
  creatinine is also high enough that the Cockcroft-Gault clearance (Cockcroft DW,
  Gault MH, Nephron 1976;16:31-41) fails any clearance alternative;
- ``washout_incomplete``: an immune checkpoint inhibitor still ongoing at
  screening (no end date), inside every washout before consent or infusion;
- ``hbv_positive``: HBsAg positive, HBcAb positive, HBV DNA detectable;
- ``brain_metastases``: active CNS metastases;
- ``investigator_review``: the investigator's judgement items left blank (the
  decision stays ``incomplete``).

Baseline values the latent row gives (age, sex, weight, height, ECOG, tumour
type) are written as they are, except that a passing patient's age and ECOG are
brought inside the protocol's limits (the latent reason is the truth about
eligibility). The tumour type is written as drawn: the patient model draws the
types the protocol admits. Thresholds are read from the protocol's criteria
(``cartrial.protocol.criteria``), never restated here; laboratory values are
written in the units sites use (conventional or SI, counts per litre or per
microlitre) with their reference limits (``cartrial.units`` converts them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

import numpy as np
from dateutil.relativedelta import relativedelta

from cartrial.dosing.renal import compute_creatinine_clearance_cockcroft_gault
from cartrial.eligibility.record import ScreeningRecord
from cartrial.protocol.criteria import (
    AgeRule,
    AllOf,
    AnyOf,
    CreatinineClearanceRule,
    FieldRule,
    LabRule,
    Not,
    Rule,
)
from cartrial.protocol.model import Protocol
from cartrial.sim.observations._common import PatientRow, decimal_places, num, text, whole
from cartrial.sim.patients import SCREEN_FAILURE_REASONS
from cartrial.sim.screening_cohort import _history
from cartrial.units import ANALYTES, convert

__all__ = ["REFERENCE_LIMITS", "screening_record"]

#: Reference limits the simulated laboratory prints (canonical units of cartrial.units).
REFERENCE_LIMITS: dict[str, Decimal] = {
    "alt": Decimal(40),
    "ast": Decimal(40),
    "total_bilirubin": Decimal("1.2"),
    "direct_bilirubin": Decimal("0.4"),
    "creatinine": Decimal("1.2"),
    "inr": Decimal("1.2"),
    "aptt": Decimal(40),
}
_SI = {"total_bilirubin": "umol/L", "direct_bilirubin": "umol/L", "creatinine": "umol/L"}
_DIGITS = {"mg/dL": 2, "umol/L": 1, "U/L": 0, "ratio": 2, "s": 1, "g/L": 0, "g/dL": 1}
_COUNTS = ("wbc", "anc", "alc", "platelets")
_LOW_FAIL = {"anc_low": "anc", "platelets_low": "platelets", "hemoglobin_low": "hemoglobin"}
#: Values used when the protocol has no criterion on the test (then any value passes).
_FALLBACK_LOW = {"anc": 1.0, "platelets": 60.0, "hemoglobin": 75.0}
_FALLBACK_HIGH = {"alt": 160.0, "ast": 150.0, "creatinine": 2.4}


@dataclass
class _Limits:
    """What a protocol's criteria require, read from its rules (canonical units)."""

    lower: dict[str, list[Decimal]] = field(default_factory=dict)
    upper: dict[str, list[Decimal]] = field(default_factory=dict)
    crcl_lower: list[Decimal] = field(default_factory=list)
    age_min: list[int] = field(default_factory=list)
    age_max: list[int] = field(default_factory=list)
    ecog_max: list[int] = field(default_factory=list)
    diagnosis: dict[str, Any] = field(default_factory=dict)


def _threshold(rule: LabRule) -> Decimal | None:
    if rule.value is not None and rule.unit is not None:
        return convert(rule.test, rule.value, rule.unit).value
    if rule.times_uln is not None and rule.test in REFERENCE_LIMITS:
        return rule.times_uln * REFERENCE_LIMITS[rule.test]
    return None


def _walk(rule: Rule, good: bool, out: _Limits, *, required: bool) -> None:
    """Collect limits; ``good``: the rule being true keeps the patient in."""
    match rule:
        case AllOf():
            for r in rule.rules:
                _walk(r, good, out, required=required and good)
        case AnyOf():
            for r in rule.rules:
                _walk(r, good, out, required=required and not good)
        case Not():
            _walk(rule.rule, not good, out, required=False)
        case LabRule():
            limit = _threshold(rule)
            if limit is not None:
                lower = (rule.op in (">", ">=")) == good
                (out.lower if lower else out.upper).setdefault(rule.test, []).append(limit)
        case CreatinineClearanceRule():
            if (rule.op in (">", ">=")) == good:
                out.crcl_lower.append(rule.ml_per_min)
        case AgeRule():
            if good:
                out.age_min += [rule.min_years] if rule.min_years is not None else []
                out.age_max += [rule.max_years] if rule.max_years is not None else []
        case FieldRule() if rule.field == "ecog":
            strict = rule.op in ("<", ">=")
            if (rule.op in ("<", "<=") and good) or (rule.op in (">", ">=") and not good):
                out.ecog_max.append(int(rule.value) - (1 if strict else 0))
        case FieldRule() if rule.field.startswith("diagnosis.") and required:
            name = rule.field.removeprefix("diagnosis.")
            if name != "tumour_type" and rule.op == "==":
                out.diagnosis[name] = rule.value
            elif name != "tumour_type" and rule.op == "in":
                out.diagnosis.setdefault(name, list(rule.value))
        case _:
            pass


def _limits(protocol: Protocol) -> _Limits:
    out = _Limits()
    for criterion in protocol.eligibility.inclusion:
        _walk(criterion.rule, True, out, required=True)
    for criterion in protocol.eligibility.exclusion:
        _walk(criterion.rule, False, out, required=False)
    return out


def _passing(test: str, value: float, limits: _Limits) -> float:
    """``value`` brought 10 % inside every limit of ``test``."""
    low = limits.lower.get(test)
    high = limits.upper.get(test)
    if low:
        value = max(value, float(max(low)) * 1.1)
    if high:
        value = min(value, float(min(high)) * 0.9)
    return value


def _lab(test: str, canonical: float, unit: str, date: dt.date) -> dict[str, Any]:
    spec = ANALYTES[test]
    value = convert(test, Decimal(repr(canonical)), spec.canonical_unit, to=unit).value
    digits = 0 if unit == "/uL" else _DIGITS.get(unit, 2)
    lab: dict[str, Any] = {
        "test": test,
        "value": decimal_places(float(value), digits),
        "unit": unit,
        "date": date,
    }
    if test in REFERENCE_LIMITS:
        uln = convert(test, REFERENCE_LIMITS[test], spec.canonical_unit, to=unit).value
        lab["uln"] = decimal_places(float(uln), max(digits, 1) if unit != "U/L" else 0)
    return lab


def _labs(
    rng: np.random.Generator,
    reason: str,
    limits: _Limits,
    date: dt.date,
    crcl_inputs: tuple[int, float, Literal["female", "male"]],
) -> list[dict[str, Any]]:
    value: dict[str, float] = {
        "anc": max(0.5, rng.normal(3.6, 0.9)),
        "alc": max(0.3, rng.normal(1.3, 0.35)),
        "platelets": max(40.0, rng.normal(235, 50)),
        "hemoglobin": max(70.0, rng.normal(120, 11)),
        "alt": float(rng.lognormal(np.log(24), 0.35)),
        "ast": float(rng.lognormal(np.log(26), 0.35)),
        "total_bilirubin": float(rng.lognormal(np.log(0.6), 0.3)),
        "creatinine": float(rng.lognormal(np.log(0.85), 0.18)),
        "inr": max(0.85, rng.normal(1.0, 0.06)),
        "aptt": max(24.0, rng.normal(30, 2.5)),
    }
    value["direct_bilirubin"] = value["total_bilirubin"] * 0.3
    value = {test: _passing(test, v, limits) for test, v in value.items()}
    if reason in _LOW_FAIL:
        test = _LOW_FAIL[reason]
        low = limits.lower.get(test)
        base = float(min(low)) if low else _FALLBACK_LOW[test] / 0.8
        value[test] = base * float(rng.uniform(0.55, 0.9))
    elif reason == "liver_tests_high":
        for test in ("alt", "ast"):
            high = limits.upper.get(test)
            base = float(max(high)) if high else _FALLBACK_HIGH[test] / 1.3
            value[test] = base * float(rng.uniform(1.15, 1.5))
    elif reason == "creatinine_high":
        high = limits.upper.get("creatinine")
        base = float(max(high)) if high else _FALLBACK_HIGH["creatinine"] / 1.3
        value["creatinine"] = max(
            base * float(rng.uniform(1.15, 1.5)), _failing_crcl(crcl_inputs, limits)
        )
    wbc = value["anc"] + value["alc"] + float(rng.uniform(0.4, 0.8))
    value["wbc"] = wbc if reason == "anc_low" else _passing("wbc", wbc, limits)
    per_ul = bool(rng.random() < 0.3)
    si = bool(rng.random() < 0.4)
    labs = []
    for test in ("wbc", "anc", "alc", "platelets"):
        if per_ul:
            labs.append(_lab(test, value[test], "/uL", date))
        else:
            labs.append(_lab(test, value[test], "x10^9/L", date))
    labs.append(
        _lab("hemoglobin", value["hemoglobin"], "g/dL" if rng.random() < 0.5 else "g/L", date)
    )
    for test in ("alt", "ast"):
        labs.append(_lab(test, value[test], "U/L", date))
    for test in ("total_bilirubin", "direct_bilirubin", "creatinine"):
        labs.append(_lab(test, value[test], _SI[test] if si else "mg/dL", date))
    labs.append(_lab("inr", value["inr"], "ratio", date))
    labs.append(_lab("aptt", value["aptt"], "s", date))
    return labs


def _failing_crcl(inputs: tuple[int, float, Literal["female", "male"]], limits: _Limits) -> float:
    """A creatinine (mg/dL) whose Cockcroft-Gault clearance is 10 % under every clearance limit."""
    if not limits.crcl_lower:
        return 0.0
    age, weight, sex = inputs
    at_one = compute_creatinine_clearance_cockcroft_gault(
        age_years=age,
        weight_kg=Decimal(repr(weight)),
        sex=sex,
        serum_creatinine_mg_dl=Decimal(1),
    )
    return float(at_one) / (float(min(limits.crcl_lower)) * 0.9)


def _diagnosis(
    row: PatientRow, rng: np.random.Generator, limits: _Limits, reason: str
) -> dict[str, Any]:
    tumour = text(row, "tumour_type")
    diagnosis: dict[str, Any] = {
        "tumour_type": tumour,
        "histologically_confirmed": True,
        "ajcc8_stage": str(rng.choice(["IV", "IVA", "IVB", "IIIC"])),
        "resectable": False,
        "extent": str(rng.choice(["metastatic", "recurrent"])),
        "liver_metastases": bool(rng.random() < 0.25),
        "cns_metastases": "none",
        "peritoneal_carcinomatosis": bool(
            rng.random() < (0.6 if tumour in ("gastric", "ovarian") else 0.15)
        ),
        "measurable_disease_recist11": True,
        "standard_therapy_status": str(rng.choice(["refractory", "relapsed"])),
    }
    for name, wanted in limits.diagnosis.items():
        if isinstance(wanted, list):
            if diagnosis.get(name) not in wanted:
                diagnosis[name] = wanted[0]
        else:
            diagnosis[name] = wanted
    if reason == "brain_metastases":
        diagnosis["cns_metastases"] = "active"
    return diagnosis


def _prior_therapies(
    rng: np.random.Generator, consent: dt.date, reason: str
) -> list[dict[str, Any]]:
    chemo_end = consent - dt.timedelta(days=int(rng.integers(40, 200)))
    therapies: list[dict[str, Any]] = [
        {
            "therapy_class": "cytotoxic_chemotherapy",
            "agent": str(rng.choice(["carboplatin", "gemcitabine", "oxaliplatin", "pemetrexed"])),
            "start_date": chemo_end - dt.timedelta(days=120),
            "end_date": chemo_end,
        }
    ]
    if reason == "washout_incomplete":
        therapies.append(
            {
                "therapy_class": "immune_checkpoint_inhibitor",
                "agent": "pembrolizumab",
                "start_date": consent - dt.timedelta(days=int(rng.integers(30, 120))),
                "end_date": None,
                "half_life_days": Decimal(22),
            }
        )
    return therapies


def _reproductive(sex: str, age: int) -> dict[str, Any]:
    childbearing = sex == "female" and age < 50
    return {
        "childbearing_potential": childbearing,
        "pregnancy_test": "negative" if childbearing else "not_done",
        "pregnant": False,
        "breastfeeding": False,
        "planning_pregnancy": False,
        "contraception_agreed": True,
        "partner_childbearing_potential": sex == "male" and age < 60,
    }


def screening_record(
    row: PatientRow,
    protocol: Protocol,
    subject_code: str,
    consent_date: dt.date,
    rng: np.random.Generator,
) -> ScreeningRecord:
    """The screening record a site enters for the patient (see the module docstring)."""
    reason = text(row, "screen_failure")
    if reason not in SCREEN_FAILURE_REASONS:
        raise ValueError(f"unknown screen-failure reason {reason!r}")
    limits = _limits(protocol)
    age = int(num(row, "age_years"))
    age = max([age, *limits.age_min])
    age = min([age, *limits.age_max])
    birth = consent_date - relativedelta(years=age, days=int(rng.integers(1, 300)))
    sex: Literal["female", "male"] = "female" if text(row, "sex") == "F" else "male"
    weight = round(num(row, "weight_kg"), 1)
    ecog = whole(row, "ecog")
    limit = min(limits.ecog_max) if limits.ecog_max else None
    if reason == "ecog" and limit is not None:
        ecog = max(ecog, limit + 1)
    elif reason != "ecog" and limit is not None:
        ecog = min(ecog, limit)
    lab_date = consent_date + dt.timedelta(days=int(rng.integers(0, 4)))
    history = _history(rng)
    history.update(
        autoimmune_disease_active=False,
        autoimmune_disease_present=False,
        epilepsy=False,
        neuropsychiatric_disorder=False,
        uncontrolled_active_infection=False,
        prior_toxicity_above_grade1=False,
        on_therapeutic_anticoagulation=False,
    )
    negative = "negative"
    serology = {
        "hiv_ab": negative,
        "hbsag": "positive" if reason == "hbv_positive" else negative,
        "hbcab": "positive" if reason == "hbv_positive" else negative,
        "hbv_dna": "detectable" if reason == "hbv_positive" else "undetectable",
        "hcv_ab": negative,
        "hcv_rna": "undetectable",
        "syphilis": negative,
    }
    investigator: dict[str, Any] = {
        "leukapheresis_contraindicated": False,
        "curative_treatment_suitable": False,
        "refuses_surgical_resection": False,
        "clinically_significant_systemic_disease": False,
        "unsuitable_for_other_reasons": False,
        "able_to_comply": True,
    }
    if reason == "investigator_review":
        investigator = {}
    record: dict[str, Any] = {
        "subject_id": subject_code,
        "consent_date": consent_date,
        "informed_consent_signed": True,
        "birth_date": birth,
        "sex": sex,
        "weight_kg": Decimal(repr(weight)),
        "height_cm": Decimal(round(num(row, "height_cm"))),
        "diagnosis": _diagnosis(row, rng, limits, reason),
        "msln": {
            "result": "negative" if reason == "msln_negative" else "positive",
            "method": "IHC",
        },
        "prior_therapies": _prior_therapies(rng, consent_date, reason),
        "ecog": ecog,
        "life_expectancy_months": Decimal(int(rng.choice([4, 6, 9, 12]))),
        "labs": _labs(rng, reason, limits, lab_date, (age, weight, sex)),
        "cardiac": {
            "lvef_percent": Decimal(int(rng.integers(55, 71))),
            "nyha_class": 1,
            "qtc_ms": int(rng.integers(395, 441)),
            "bundle_branch_block": False,
            "significant_aortic_stenosis": False,
            "symptomatic_mitral_stenosis": False,
            "pulmonary_hypertension": False,
            "events": [],
        },
        "vitals": {
            "spo2_room_air_percent": Decimal(int(rng.integers(95, 100))),
            "systolic_bp_mmhg": int(rng.integers(108, 140)),
            "diastolic_bp_mmhg": int(rng.integers(62, 88)),
            "on_antihypertensive_treatment": bool(rng.random() < 0.3),
        },
        "serology": serology,
        "reproductive": _reproductive(sex, age),
        "history": history,
        "supportive_care": {
            "last_gcsf_date": "never",
            "last_rbc_transfusion_date": "never",
            "last_platelet_transfusion_date": "never",
        },
        "investigator": investigator,
    }
    return ScreeningRecord.model_validate(record)
